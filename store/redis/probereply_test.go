package redis_test

import (
	"testing"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store"
)

// A probe admitted in Redis whose Report is refused with an outage's error
// reply (READONLY after a failover; likewise LOADING, MISCONF, OOM,
// CLUSTERDOWN…) falls back to local state, and the script did not run:
// the probe's slot in Redis is freed once Redis serves again, so that the
// other replicas are not refused with Probing until the probe lease ends.
func TestProbeReportRefusedByAnOutageReplyFreesItsSlot(t *testing.T) {
	srv := redistest.Start(t)
	p := prefix()
	rec := &recorder{}
	a := failOpenStore(t, srv, p, rec)
	b := open(t, srv, p)
	end := halfOpen(t, b, "t", br)
	probe := admit(t, a, "t", store.Admission{Now: end})
	if !probe.Breaker.Probe {
		t.Fatalf("admission at half-open: %v, want a probe", probe.Reason)
	}
	adm := admin(t, srv)
	if err := adm.SlaveOf(t.Context(), "127.0.0.1", "1").Err(); err != nil { // read-only
		t.Fatal(err)
	}
	report(t, a, "t", store.Report{Now: end, Ticket: probe, Outcome: breaker.Neutral}) // READONLY → local
	if !a.Stats().Degraded {
		t.Fatal("A not degraded by a READONLY Report")
	}
	if err := adm.SlaveOf(t.Context(), "NO", "ONE").Err(); err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, a)
	wantProbes(t, b, "t", end.Add(1e9), br, 1)
}

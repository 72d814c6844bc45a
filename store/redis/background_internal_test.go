package redis

import (
	"syscall"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store"
)

// The store's own background work during a stall — the undo of a
// timed-out Admit, the renewal of claims — does not count toward the three
// calls in a row that switch it to local state, nor in Stats.Timeouts: a
// lone timed-out Admit, whose undo the store sends at once and which
// times out too while the stall goes on, leaves two more calls before the
// switch, as for any other call.
func TestBackgroundTimeoutsDoNotCount(t *testing.T) {
	srv := redistest.Start(t)
	// A claim lease of an hour: the maintenance loop's tick (every 20 min)
	// never runs during the test, which runs its steps itself.
	s, err := New(t.Context(), srv.URL(), WithPrefix("lifeline-test:background:"),
		WithTimeout(300*time.Millisecond), WithClaimLease(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	status := func() {
		t.Helper()
		if _, err := s.Status(t.Context(), "t", store.StatusQuery{Now: time.Now()}); err != nil {
			t.Fatalf("Status: %v", err)
		}
	}
	status()

	srv.Signal(syscall.SIGSTOP)
	defer srv.Signal(syscall.SIGCONT)
	status() // the first timeout

	// An undo queued (without waking the maintenance loop) and a claim
	// held, both sent while the server is stalled: both time out.
	s.probes.add(undo{target: "t", id: s.admissionID(), bc: breaker.Config{}, now: time.Now()})
	s.undoLost()
	if len(s.probes.drain()) != 1 {
		t.Fatal("the undo that timed out is not queued again")
	}
	s.claims.hold("token", s.recordKey("k"), store.Fingerprint{}, time.Now().Add(time.Hour))
	s.renewClaims()

	if st := s.Stats(); st.Degraded || st.Timeouts != 1 {
		t.Fatalf("after one call and two background runs timed out: %+v; want shared, one timeout", st)
	}
	status()
	if st := s.Stats(); st.Degraded || st.Timeouts != 2 {
		t.Fatalf("after two calls timed out in a row: %+v; want shared, two timeouts", st)
	}
	status()
	if st := s.Stats(); !st.Degraded || st.Timeouts != 2 {
		t.Fatalf("after three calls timed out in a row: %+v; want degraded", st)
	}
}

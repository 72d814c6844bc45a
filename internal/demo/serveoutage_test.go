package demo

import (
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/internal/setup"
	"github.com/lifelinehq/lifeline/mock"
)

// breakerChange is one state change of a breaker, at a time since start.
type breakerChange struct {
	at time.Duration
	to string
}

func (c breakerChange) String() string { return c.at.Round(time.Millisecond).String() + " " + c.to }

// userRequest is what one request of the test's user got.
type userRequest struct {
	at     time.Duration
	status int
	target string
}

// TestServeDemoBreakerOpensAndClosesUnderOrdinaryUse runs the serve
// demo (the providers of Start, the gateway of demo.yaml) on an in-memory
// network under fake time and uses it as a newcomer would: one plain
// request every half second, in either dialect, for 100 s. Within the
// first minute demo-primary's outage window opens its breaker, the
// requests meanwhile are served by demo-backup, and half-open probes close
// the breaker once the window has passed; the next window does it again.
// Nearly every request is served throughout.
func TestServeDemoBreakerOpensAndClosesUnderOrdinaryUse(t *testing.T) {
	const primaryTarget = "demo-primary/claude-demo"
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		since := func() time.Duration { return time.Since(start) }
		pc, bc, err := providerConfigs(5, primaryOutage())
		if err != nil {
			t.Fatal(err)
		}
		primary, err := mock.New(pc)
		if err != nil {
			t.Fatal(err)
		}
		backup, err := mock.New(bc)
		if err != nil {
			t.Fatal(err)
		}
		nw := newMemNet()
		stopPrimary := nw.serve("primary.demo:80", primary)
		stopBackup := nw.serve("backup.demo:80", backup)

		cfg, err := demoConfig("gateway.demo:80", "http://primary.demo:80", "http://backup.demo:80/v1")
		if err != nil {
			t.Fatal(err)
		}
		gcfg, err := setup.Gateway(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		upstream, closeUpstream := nw.client()
		gcfg.HTTPClient = upstream
		var mu sync.Mutex
		var changes []breakerChange
		gcfg.Observer = func(ev lifeline.Event) {
			if ev.Kind == lifeline.BreakerChanged && ev.Target == primaryTarget {
				mu.Lock()
				changes = append(changes, breakerChange{since(), ev.To.String()})
				mu.Unlock()
			}
		}
		gw, err := gateway.New(gcfg)
		if err != nil {
			t.Fatal(err)
		}
		gw.MarkReady()
		stopGateway := nw.serve("gateway.demo:80", gw)
		client, closeClient := nw.client()

		var log []userRequest
		for i := 0; since() < 100*time.Second; i++ {
			at := since()
			status, target, _, err := sendPlain(client, "http://gateway.demo:80", "demo", i%2 == 0, false)
			if err != nil {
				t.Fatalf("request at %v: %v", at, err)
			}
			log = append(log, userRequest{at, status, target})
			time.Sleep(500 * time.Millisecond)
		}
		closeClient()
		stopGateway()
		gw.Close()
		closeUpstream()
		stopPrimary()
		stopBackup()
		checkBreakerStory(t, changes, log)
	})
}

// checkBreakerStory checks the primary's breaker changes and the requests
// against the serve demo's outage windows.
func checkBreakerStory(t *testing.T, changes []breakerChange, log []userRequest) {
	t.Helper()
	t.Logf("demo-primary/claude-demo breaker: %v", changes)
	for w := range 2 {
		from := OutageAfter + time.Duration(w)*OutageEvery
		until := from + OutageFor
		opened, closed := time.Duration(-1), time.Duration(-1)
		for _, c := range changes {
			switch {
			case c.to == "open" && opened < 0 && c.at >= from && c.at < until:
				opened = c.at
			case c.to == "closed" && opened >= 0 && closed < 0 && c.at > opened:
				closed = c.at
			}
		}
		if opened < 0 {
			t.Errorf("window %d (%v–%v): the primary's breaker did not open", w+1, from, until)
			continue
		}
		if closed < 0 || closed > from+OutageEvery {
			t.Errorf("window %d (%v–%v): opened at %v but did not close before the next window", w+1, from, until, closed)
		}
		// While it is open (until the first probe), the backup serves.
		var probe time.Duration = -1
		for _, c := range changes {
			if c.at > opened && c.to == "half_open" {
				probe = c.at
				break
			}
		}
		byBackup := 0
		for _, r := range log {
			if r.at > opened && (probe < 0 || r.at < probe) && r.status == http.StatusOK {
				if r.target != "demo-backup/gpt-demo" {
					t.Errorf("at %v, with the primary's breaker open: served by %q", r.at, r.target)
				}
				byBackup++
			}
		}
		if byBackup == 0 {
			t.Errorf("window %d: no request was served while the breaker was open (%v–%v)", w+1, opened, probe)
		}
	}
	ok := 0
	for _, r := range log {
		if r.status == http.StatusOK {
			ok++
		}
	}
	if ok < len(log)*97/100 {
		t.Errorf("%d of %d requests served; the demo should stay useful through its outages", ok, len(log))
	}
}

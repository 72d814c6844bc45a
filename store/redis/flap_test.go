package redis_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/redis"
)

// A server that keeps coming and going (here: read-only every other 30 ms)
// does not flip the store back and forth with it: each flap raises the run
// of good probes that ends the next outage, so the store settles degraded
// after a few flips and recovers once the server has been steady.
func TestFlappingServerDoesNotFlapStore(t *testing.T) {
	srv := redistest.Start(t)
	rec := &recorder{}
	s := openRaw(t, srv, prefix(),
		redis.WithLogger(slog.New(slog.NewTextHandler(rec, nil))),
		redis.WithStateChange(rec.change),
		redis.WithRecoverInterval(5*time.Millisecond),
		redis.WithTimeout(5*time.Second))
	adm := admin(t, srv)
	stop := make(chan struct{})
	flapped := make(chan error, 1)
	go func() {
		tick := time.NewTicker(30 * time.Millisecond)
		defer tick.Stop()
		readOnly := false
		for {
			select {
			case <-stop:
				flapped <- adm.SlaveOf(t.Context(), "NO", "ONE").Err()
				return
			case <-tick.C:
			}
			readOnly = !readOnly
			var err error
			if readOnly {
				err = adm.SlaveOf(t.Context(), "127.0.0.1", "1").Err()
			} else {
				err = adm.SlaveOf(t.Context(), "NO", "ONE").Err()
			}
			if err != nil {
				flapped <- err
				return
			}
		}
	}()
	// Retries: every one needs a write in Redis while the store is shared.
	for end := time.Now().Add(1500 * time.Millisecond); time.Now().Before(end); {
		admit(t, s, "t", store.Admission{Now: t0, Retry: true})
		time.Sleep(2 * time.Millisecond)
	}
	close(stop)
	if err := <-flapped; err != nil {
		t.Fatal(err)
	}
	n := s.Stats().Transitions
	t.Logf("%d transitions in 25 flaps of the server: %s", n, rec.history())
	if n > 10 {
		t.Fatalf("%d transitions in 25 flaps of the server, want a few", n)
	}
	waitHealthy(t, s)
	if got, want := rec.lines("state store degraded")+rec.lines("state store recovered"), int(s.Stats().Transitions); got != want {
		t.Fatalf("%d log lines for %d transitions", got, want)
	}
}

package gateway_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
)

// takenOnWake is a store in which, as soon as a waiting duplicate wakes
// up, a request with another body has taken the key it waited on: what
// happens when such a request arrives just as the first one ends.
type takenOnWake struct {
	store.Store
	n     atomic.Int64
	taken atomic.Bool
}

func (s *takenOnWake) Await(ctx context.Context, key string) error {
	s.n.Add(1)
	err := s.Store.Await(ctx, key)
	if err == nil && !s.taken.Load() {
		cl, cerr := s.Store.Claim(ctx, key, store.Fingerprint{0xff}, time.Minute)
		if cerr == nil && cl.State == store.Acquired {
			s.taken.Store(true)
		}
	}
	return err
}

// A duplicate that waited for a request that failed gets that failure,
// replayed, even when a request with another body took the key between
// the failure and the duplicate's wake-up: it sent the first one's body,
// so it is no 422 idempotency_key_reused.
func TestDuplicateOfAFailedRequestGetsItsFailureWhenAnotherBodyTookTheKey(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		b, arrived, gate := gated(d.Server, d.Good(stream))
		a := newUpstream(t, b)
		st := &takenOnWake{Store: memory.New()}
		g := startGW(t, gateway.Config{
			Routes: []gateway.RouteSpec{route("route", on(d, a.URL), lifeline.WithMaxAttempts(1))},
			Store:  st,
		})
		first := g.async(d, stream, "Idempotency-Key", "taken-on-wake")
		<-arrived
		dup := g.async(d, stream, "Idempotency-Key", "taken-on-wake")
		waitFor(t, "the duplicate does not wait for the first request", func() bool { return st.n.Load() >= 1 })
		close(gate)
		f, r := <-first, <-dup
		if f.err != nil || r.err != nil {
			t.Fatal(f.err, r.err)
		}
		wantError(t, d, f.ans, 503, "upstream_unavailable")
		if !st.taken.Load() {
			t.Fatal("no request with another body took the key")
		}
		if r.ans.status != 503 || r.ans.body != f.ans.body || r.ans.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("the duplicate got %d (Idempotent-Replayed %q)\n%s\nwant the first's 503, replayed\n%s",
				r.ans.status, r.ans.header.Get("Idempotent-Replayed"), r.ans.body, f.ans.body)
		}
		if a.Count() != 1 {
			t.Fatalf("%d upstream calls, want 1", a.Count())
		}
	})
}

package gateway_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/store/memory"
	"github.com/lifelinehq/lifeline/store/storetest"
)

// A duplicate that waited for the first request with its Idempotency-Key,
// and then runs on its own because the first failed, has only what is
// left of its timeouts.total: the whole client request, the wait
// included, ends within the bound.
func TestDuplicateThatWaitedKeepsItsTotalBound(t *testing.T) {
	const total = time.Second
	modes(t, func(t *testing.T, d dialect, stream bool) {
		arrived := make(chan struct{})
		var once sync.Once
		a := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			once.Do(func() { close(arrived) })
			<-r.Context().Done() // the provider never answers
		})
		st := storetest.NewAwaitSignal(memory.New())
		g := startGW(t, gateway.Config{Store: st, Routes: []gateway.RouteSpec{route("route", on(d, a.URL),
			lifeline.WithTimeouts(lifeline.Timeouts{Attempt: 10 * time.Second, FirstToken: 5 * time.Second, Idle: 5 * time.Second, Total: total}))}})
		// The first gives up after 900 ms (its own deadline): it fails, so
		// its key is released and the duplicate runs on its own. A
		// duplicate whose wait did not count would answer after about
		// 1.9 s, one whose wait counts after 1 s: the bound between them
		// leaves a loaded machine 450 ms either way.
		first := g.async(d, stream, "Idempotency-Key", "waited-1", "X-Lifeline-Timeout", "900ms")
		<-arrived
		start := time.Now()
		second := g.async(d, stream, "Idempotency-Key", "waited-1")
		<-st.Awaiting()
		r1, r2 := <-first, <-second
		took := time.Since(start)
		if r1.err != nil || r2.err != nil {
			t.Fatal(r1.err, r2.err)
		}
		wantError(t, d, r1.ans, 504, "deadline_exceeded")
		wantError(t, d, r2.ans, 504, "deadline_exceeded")
		if took > total+450*time.Millisecond {
			t.Fatalf("the duplicate answered after %v, beyond timeouts.total %v: its wait did not count", took, total)
		}
	})
}

package gateway_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
	"github.com/lifelinehq/lifeline/store/storetest"
)

// Idempotent replay on the memory store.

func TestReplayServesTheStoredAnswerWithoutAnUpstreamCall(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, withHeader(d.Good(stream), "X-Ratelimit-Remaining-Requests", "7"))
		g := newGW(t, d, []string{a.URL})
		first := g.send(d, stream, "Idempotency-Key", "step-1")
		wantServed(t, first, "p0/m0", 1)
		if first.header.Get("Idempotent-Replayed") != "" {
			t.Fatal("a first answer is marked replayed")
		}
		second := g.send(d, stream, "Idempotency-Key", "step-1")
		if second.status != 200 || second.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("status %d, Idempotent-Replayed %q", second.status, second.header.Get("Idempotent-Replayed"))
		}
		if second.body != first.body || second.body != d.okText(stream) {
			t.Fatalf("replayed\n%s\nwant\n%s", second.body, first.body)
		}
		for _, h := range []string{"Content-Type", "X-Lifeline-Target", "X-Lifeline-Route", "X-Lifeline-Attempts", "X-Ratelimit-Remaining-Requests"} {
			if second.header.Get(h) != first.header.Get(h) {
				t.Fatalf("replayed %s = %q, want %q", h, second.header.Get(h), first.header.Get(h))
			}
		}
		if second.header.Get("X-Request-Id") == "" || second.header.Get("X-Request-Id") == first.header.Get("X-Request-Id") {
			t.Fatalf("replay request ids %q and %q", first.header.Get("X-Request-Id"), second.header.Get("X-Request-Id"))
		}
		if a.Count() != 1 {
			t.Fatalf("%d upstream calls, want 1", a.Count())
		}
	})
}

func TestConcurrentDuplicateWaitsAndGetsTheSameAnswer(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		arrived, gate := make(chan struct{}), make(chan struct{})
		var once sync.Once
		a := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			once.Do(func() { close(arrived) })
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
			d.Good(stream)(w, r)
		})
		st := storetest.NewAwaitSignal(memory.New())
		g := startGW(t, gateway.Config{Routes: []gateway.RouteSpec{route("route", on(d, a.URL))}, Store: st})
		first := g.async(d, stream, "Idempotency-Key", "step-2")
		<-arrived
		second := g.async(d, stream, "Idempotency-Key", "step-2")
		<-st.Awaiting()
		close(gate)
		r1, r2 := <-first, <-second
		if r1.err != nil || r2.err != nil {
			t.Fatal(r1.err, r2.err)
		}
		wantServed(t, r1.ans, "p0/m0", 1)
		if r2.ans.status != 200 || r2.ans.header.Get("Idempotent-Replayed") != "true" || r2.ans.body != r1.ans.body {
			t.Fatalf("duplicate got %d replayed=%q:\n%s", r2.ans.status, r2.ans.header.Get("Idempotent-Replayed"), r2.ans.body)
		}
		if a.Count() != 1 {
			t.Fatalf("%d upstream calls, want exactly 1", a.Count())
		}
	})
}

// result is an answer read on another goroutine.
type result struct {
	ans answer
	err error
}

// async sends the dialect's request on its own goroutine.
func (h *harness) async(d dialect, stream bool, hdr ...string) chan result {
	out := make(chan result, 1)
	req, err := http.NewRequest(http.MethodPost, h.ts.URL+d.path, strings.NewReader(d.Body(stream)))
	if err != nil {
		out <- result{err: err}
		return out
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	go func() {
		resp, err := h.client.Do(req)
		if err != nil {
			out <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		a := answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
		record(h.served, a)
		out <- result{ans: a, err: err}
	}()
	return out
}

func TestSameKeyWithAnotherBodyIs422(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Good(stream))
		g := newGW(t, d, []string{a.URL})
		wantServed(t, g.send(d, stream, "Idempotency-Key", "step-3"), "p0/m0", 1)
		other := strings.Replace(d.Body(stream), `"hi"`, `"bye"`, 1)
		ans := g.post(d.path, other, "Idempotency-Key", "step-3")
		wantError(t, d, ans, 422, "idempotency_key_reused")
		if a.Count() != 1 {
			t.Fatalf("%d upstream calls", a.Count())
		}
	})
}

func TestFailedRequestMayBeRetriedWithTheSameKey(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Server, d.Good(stream))
		g := newGW(t, d, []string{a.URL}, lifeline.WithMaxAttempts(1))
		wantError(t, d, g.send(d, stream, "Idempotency-Key", "step-4"), 503, "upstream_unavailable")
		ans := g.send(d, stream, "Idempotency-Key", "step-4")
		wantServed(t, ans, "p0/m0", 1)
		if ans.header.Get("Idempotent-Replayed") != "" || a.Count() != 2 {
			t.Fatalf("replayed=%q after %d upstream calls; want a fresh answer", ans.header.Get("Idempotent-Replayed"), a.Count())
		}
		if ans = g.send(d, stream, "Idempotency-Key", "step-4"); ans.header.Get("Idempotent-Replayed") != "true" || a.Count() != 2 {
			t.Fatalf("the successful retry was not stored: replayed=%q, %d calls", ans.header.Get("Idempotent-Replayed"), a.Count())
		}
	})
}

func TestIdempotencyKeysAreScopedToTheClientKey(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		a := newUpstream(t, d.Good(false))
		g := startGW(t, gateway.Config{
			Routes: []gateway.RouteSpec{route("route", on(d, a.URL))},
			Keys:   []gateway.Key{{Key: clientKey, Routes: []string{"*"}}, {Key: "second-client-key-0123", Routes: []string{"*"}}},
		})
		wantServed(t, g.send(d, false, "Idempotency-Key", "k", "X-Api-Key", clientKey), "p0/m0", 1)
		ans := g.send(d, false, "Idempotency-Key", "k", "X-Api-Key", "second-client-key-0123")
		if ans.status != 200 || ans.header.Get("Idempotent-Replayed") != "" || a.Count() != 2 {
			t.Fatalf("another client's key replayed the first client's answer (replayed=%q, %d calls)", ans.header.Get("Idempotent-Replayed"), a.Count())
		}
	})
}

// One key names one request: the same key on another route (the
// body names it) or at the other endpoint is another request under the
// key, refused with 422, never served nor replayed. A body both endpoints
// accept is another request at each: a stored answer is in one dialect.
func TestIdempotencyKeyReusedOnAnotherRouteOrEndpoint(t *testing.T) {
	oa := newUpstream(t, openaiD.Good(false))
	an := newUpstream(t, anthropicD.Good(false))
	g := startGW(t, gateway.Config{Routes: []gateway.RouteSpec{
		route("route", append(on(openaiD, oa.URL), on(anthropicD, an.URL)...)),
		route("other", on(openaiD, oa.URL)),
	}})
	body := anthropicD.Request // has max_tokens: valid in both dialects
	wantServed(t, g.post(openaiD.path, body, "Idempotency-Key", "k"), "p0/m0", 1)
	wantError(t, anthropicD, g.post(anthropicD.path, body, "Idempotency-Key", "k"), 422, "idempotency_key_reused")
	other := strings.Replace(body, `"model":"route"`, `"model":"other"`, 1)
	wantError(t, openaiD, g.post(openaiD.path, other, "Idempotency-Key", "k"), 422, "idempotency_key_reused")
	if oa.Count()+an.Count() != 1 {
		t.Fatalf("%d upstream calls; the key's other requests reached a provider", oa.Count()+an.Count())
	}
	if ans := g.post(openaiD.path, body, "Idempotency-Key", "k"); ans.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the key's own request was not replayed: %d %s", ans.status, ans.body)
	}
}

func TestManyConcurrentRequests(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		answer := func(w http.ResponseWriter, r *http.Request) {
			d.Good(strings.Contains(r.Header.Get("Accept"), "event-stream"))(w, r)
		}
		var calls atomic.Int32
		a := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1)%2 == 0 {
				d.Server(w, r)
				return
			}
			answer(w, r)
		})
		b := newUpstream(t, answer)
		g := newGW(t, d, []string{a.URL, b.URL}, lifeline.WithMaxAttempts(1))
		const n = 24
		results := make([]chan result, n)
		for i := range n {
			hdr := []string{}
			if i%3 == 0 {
				hdr = []string{"Idempotency-Key", "shared"}
			}
			results[i] = g.async(d, i%2 == 1 && i%3 != 0, hdr...)
		}
		for i, ch := range results {
			r := <-ch
			if r.err != nil || r.ans.status != 200 {
				t.Fatalf("request %d: %v status %d %s", i, r.err, r.ans.status, r.ans.body)
			}
			stream := i%2 == 1 && i%3 != 0
			if r.ans.body != d.okText(stream) {
				t.Fatalf("request %d got\n%s", i, r.ans.body)
			}
		}
		waitIdle(t, g.srv)
	})
}

func TestAbortAnswersADuplicateWaitingForTheFirst(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		arrived := make(chan struct{})
		var once sync.Once
		a := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			once.Do(func() { close(arrived) })
			<-r.Context().Done()
		})
		st := storetest.NewAwaitSignal(memory.New())
		g := startGW(t, gateway.Config{Routes: []gateway.RouteSpec{route("route", on(d, a.URL))}, Store: st})
		first := g.async(d, stream, "Idempotency-Key", "step-3")
		<-arrived
		second := g.async(d, stream, "Idempotency-Key", "step-3")
		<-st.Awaiting()
		g.srv.Abort()
		r1, r2 := <-first, <-second
		// Nothing was done for the duplicate: an SDK may send it again, to
		// another replica. The cut request made its attempt: it says no.
		for i, r := range []result{r1, r2} {
			if r.err != nil {
				t.Fatal(r.err)
			}
			// Another replica may serve it: a 503 in the client's dialect,
			// never an empty 200.
			wantErrorRetry(t, d, r.ans, 503, "upstream_unavailable", i == 1)
			if r.ans.header.Get("Retry-After") == "" {
				t.Fatalf("no Retry-After: %v", r.ans.header)
			}
		}
		// The cut request's answer lists the attempt it made.
		if r1.ans.header.Get("X-Lifeline-Attempts") != "1" || !strings.Contains(r1.ans.body, `"target":"p0/m0"`) {
			t.Fatalf("the cut request's answer does not list its attempt: %v\n%s", r1.ans.header, r1.ans.body)
		}
	})
}

// slowCompleteStore holds every Complete until release is closed, as a
// stalling Redis does.
type slowCompleteStore struct {
	store.Store
	release chan struct{}
}

func (s slowCompleteStore) Complete(ctx context.Context, key, token string, rec store.Record, ttl time.Duration) error {
	<-s.release
	return s.Store.Complete(ctx, key, token, rec, ttl)
}

// A client gets its answer before the idempotency record is saved: a store
// slow to take the record does not hold the answer back.
func TestIdempotentAnswerIsNotHeldByTheStore(t *testing.T) {
	a := newUpstream(t, openaiD.Good(false))
	release := make(chan struct{})
	defer close(release)
	g := startGW(t, gateway.Config{
		Routes: []gateway.RouteSpec{route("route", on(openaiD, a.URL))},
		Store:  slowCompleteStore{memory.New(), release},
	})
	got := make(chan answer, 1)
	go func() { got <- g.send(openaiD, false, "Idempotency-Key", "slow-store") }()
	select {
	case ans := <-got:
		wantServed(t, ans, "p0/m0", 1)
	case <-time.After(10 * time.Second):
		t.Fatal("the answer waited for the store's Complete")
	}
}

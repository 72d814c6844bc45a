package gateway_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
	"github.com/lifelinehq/lifeline/store/storetest"
)

// The duplicates that wait for a request with an Idempotency-Key that
// fails get its failure, replayed; a request sent after it runs.

// waitFor polls until cond holds, or fails the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
	}
}

// gated answers its first call with first once gate closes (or the caller
// goes away), and later calls with later; arrived is closed when the first
// call arrives.
func gated(first, later behaviour) (b behaviour, arrived, gate chan struct{}) {
	arrived, gate = make(chan struct{}), make(chan struct{})
	var calls atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) > 1 {
			later(w, r)
			return
		}
		close(arrived)
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
		first(w, r)
	}, arrived, gate
}

// failedFirst sends a request that the upstream answers with fail once
// three duplicates wait for it, and returns the four answers and the
// upstream. Later upstream calls are answered well.
func failedFirst(t *testing.T, d dialect, stream bool, fail behaviour, key string, opts ...lifeline.RouteOption) ([]answer, *upstream, *harness) {
	t.Helper()
	b, arrived, gate := gated(fail, d.Good(stream))
	a := newUpstream(t, b)
	st := storetest.NewAwaitSignal(memory.New())
	g := startGW(t, gateway.Config{
		Routes: []gateway.RouteSpec{route("route", on(d, a.URL), append([]lifeline.RouteOption{lifeline.WithMaxAttempts(1)}, opts...)...)},
		Store:  st,
	})
	first := g.async(d, stream, "Idempotency-Key", key)
	<-arrived
	var dups []chan result
	for range 3 {
		dups = append(dups, g.async(d, stream, "Idempotency-Key", key))
	}
	waitFor(t, "the duplicates do not wait for the first request", func() bool { return st.Waits() >= 3 })
	close(gate)
	var out []answer
	for _, c := range append([]chan result{first}, dups...) {
		r := <-c
		if r.err != nil {
			t.Fatal(r.err)
		}
		out = append(out, r.ans)
	}
	return out, a, g
}

func TestDuplicatesWaitingForAFailedRequestGetItsFailure(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		answers, a, g := failedFirst(t, d, stream, d.Server, "failed-first")
		for i, ans := range answers {
			wantError(t, d, ans, 503, "upstream_unavailable")
			if got, want := ans.header.Get("Idempotent-Replayed"), map[bool]string{true: "true"}[i > 0]; got != want {
				t.Fatalf("answer %d: Idempotent-Replayed %q, want %q", i, got, want)
			}
			if i > 0 && ans.body != answers[0].body {
				t.Fatalf("duplicate %d got\n%s\nwant the first's\n%s", i, ans.body, answers[0].body)
			}
			for _, h := range []string{"X-Lifeline-Route", "X-Lifeline-Attempts", "X-Should-Retry"} {
				if ans.header.Get(h) != answers[0].header.Get(h) {
					t.Fatalf("answer %d: %s %q, want the first's %q", i, h, ans.header.Get(h), answers[0].header.Get(h))
				}
			}
		}
		if a.Count() != 1 {
			t.Fatalf("%d upstream calls for one failed request and its waiting duplicates, want 1", a.Count())
		}
		// A request sent after the failure runs: it may be retried with the
		// same key.
		ans := g.send(d, stream, "Idempotency-Key", "failed-first")
		wantServed(t, ans, "p0/m0", 1)
		if ans.header.Get("Idempotent-Replayed") != "" || a.Count() != 2 {
			t.Fatalf("a retry after the failure: replayed %q after %d upstream calls, want a fresh answer",
				ans.header.Get("Idempotent-Replayed"), a.Count())
		}
	})
}

// wantFirstsAnswerReplayed checks that the first of answers has status and
// the others are it, replayed, from one upstream call to a.
func wantFirstsAnswerReplayed(t *testing.T, answers []answer, status int, a *upstream) {
	t.Helper()
	for i, ans := range answers {
		if ans.status != status || ans.body != answers[0].body {
			t.Fatalf("answer %d: status %d\n%s\nwant the first's %d\n%s", i, ans.status, ans.body, status, answers[0].body)
		}
		if (ans.header.Get("Idempotent-Replayed") == "true") != (i > 0) {
			t.Fatalf("answer %d: Idempotent-Replayed %q", i, ans.header.Get("Idempotent-Replayed"))
		}
	}
	if a.Count() != 1 {
		t.Fatalf("%d upstream calls for one failed request and its waiting duplicates, want 1", a.Count())
	}
}

func TestDuplicatesWaitingForARejectedRequestGetItsError(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		answers, a, _ := failedFirst(t, d, stream, d.BadReq, "rejected-first")
		wantFirstsAnswerReplayed(t, answers, 400, a)
	})
}

// A first request cut by its own deadline answers 504: its deadline is not
// the duplicates', so they run as requests of their own (one runs, the
// others get its answer) instead of getting the 504.
func TestDuplicatesOfARequestPastItsDeadlineRun(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		b, arrived, _ := gated(d.Good(false), d.Good(false)) // the first call never gets its gate
		a := newUpstream(t, b)
		st := storetest.NewAwaitSignal(memory.New())
		g := startGW(t, gateway.Config{
			Routes: []gateway.RouteSpec{route("route", on(d, a.URL), lifeline.WithMaxAttempts(1))},
			Store:  st,
		})
		first := g.async(d, false, "Idempotency-Key", "late-first", "X-Lifeline-Timeout", "2s")
		<-arrived
		var dups []chan result
		for range 3 {
			dups = append(dups, g.async(d, false, "Idempotency-Key", "late-first"))
		}
		waitFor(t, "the duplicates do not wait for the first request", func() bool { return st.Waits() >= 3 })
		if r := <-first; r.err != nil {
			t.Fatal(r.err)
		} else {
			wantError(t, d, r.ans, 504, "deadline_exceeded")
		}
		replayed := 0
		for _, c := range dups {
			r := <-c
			if r.err != nil {
				t.Fatal(r.err)
			}
			wantServed(t, r.ans, "p0/m0", 1)
			if r.ans.header.Get("Idempotent-Replayed") == "true" {
				replayed++
			}
		}
		if replayed != 2 || a.Count() != 2 {
			t.Fatalf("%d of 3 duplicates replayed after %d upstream calls; want one run and 2 replays of its answer", replayed, a.Count())
		}
	})
}

// A provider's 504 passed on as it came (a route that stops on transient
// failures) is the first request's failure like any other: the duplicates
// that waited get it. Only lifeline's own deadline_exceeded is not theirs.
func TestDuplicatesWaitingForAProvidersTimeoutGetIt(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		answers, a, _ := failedFirst(t, d, false, reply(504, nil, `{"error":{"message":"upstream timed out","type":"server_error"}}`),
			"provider-504", lifeline.WithAction(classify.Transient, lifeline.Stop))
		wantFirstsAnswerReplayed(t, answers, 504, a)
	})
}

// A stream that broke after its first events: its client got those events
// and an error event; so do the duplicates that waited for it.
func TestDuplicatesWaitingForABrokenStreamGetItsEvents(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		broken := func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.WriteHeader(200)
			io.WriteString(w, d.Stream[0])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler) // the connection is cut
		}
		answers, a, _ := failedFirst(t, d, true, broken, "broken-first")
		if !strings.Contains(answers[0].body, "error") {
			t.Fatalf("the broken stream has no error event:\n%s", answers[0].body)
		}
		for i, ans := range answers[1:] {
			if ans.status != answers[0].status || ans.body != answers[0].body || ans.header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("duplicate %d: status %d, replayed %q\n%s\nwant the first's\n%s", i+1, ans.status,
					ans.header.Get("Idempotent-Replayed"), ans.body, answers[0].body)
			}
		}
		if a.Count() != 1 {
			t.Fatalf("%d upstream calls, want 1", a.Count())
		}
	})
}

// A first request whose client went away has no answer to give: the
// duplicates that waited for it run, as requests of their own.
func TestDuplicatesOfARequestWhoseClientLeftRun(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		arrived := make(chan struct{})
		var once sync.Once
		var calls atomic.Int64
		a := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				once.Do(func() { close(arrived) })
				<-r.Context().Done()
				return
			}
			d.Good(false)(w, r)
		})
		st := storetest.NewAwaitSignal(memory.New())
		g := startGW(t, gateway.Config{
			Routes: []gateway.RouteSpec{route("route", on(d, a.URL), lifeline.WithMaxAttempts(1))},
			Store:  st,
		})
		ctx, cancel := context.WithCancel(t.Context())
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.ts.URL+d.path, strings.NewReader(d.Body(false)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Idempotency-Key", "left-first")
		gone := make(chan struct{})
		go func() {
			defer close(gone)
			if resp, err := g.client.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
		<-arrived
		var dups []chan result
		for range 3 {
			dups = append(dups, g.async(d, false, "Idempotency-Key", "left-first"))
		}
		waitFor(t, "the duplicates do not wait for the first request", func() bool { return st.Waits() >= 3 })
		cancel()
		<-gone
		for i, c := range dups {
			r := <-c
			if r.err != nil {
				t.Fatal(r.err)
			}
			if r.ans.status != 200 || r.ans.body != d.okText(false) {
				t.Fatalf("duplicate %d: status %d\n%s\nwant an answer of its own run", i, r.ans.status, r.ans.body)
			}
		}
		// One duplicate ran; the others replay its answer.
		if calls.Load() != 2 {
			t.Fatalf("%d upstream calls, want 2: the abandoned one and one duplicate's", calls.Load())
		}
	})
}

// orderLog notes, in order, when a client's key was released and when an
// answer's status line was written.
type orderLog struct {
	mu     sync.Mutex
	events []string
}

func (l *orderLog) add(ev string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev)
}

func (l *orderLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.events...)
}

// releaseNoted is a store that notes the releases of clients' keys.
type releaseNoted struct {
	store.Store
	log *orderLog
}

func (s releaseNoted) Release(ctx context.Context, key, token string) error {
	err := s.Store.Release(ctx, key, token)
	if !strings.Contains(key, "\x00") {
		s.log.add("release")
	}
	return err
}

// headerNoted is a ResponseWriter that notes its status line.
type headerNoted struct {
	http.ResponseWriter
	log *orderLog
}

func (w headerNoted) WriteHeader(code int) {
	w.log.add("answer")
	w.ResponseWriter.WriteHeader(code)
}

func (w headerNoted) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// A failed request's key is free before its client has the failure: a
// retry the client sends at once runs, and is not taken for a duplicate
// that waited for it.
func TestFailureIsAnsweredOnceTheKeyIsFree(t *testing.T) {
	d := openaiD
	a := newUpstream(t, d.Server, d.Good(false))
	log := &orderLog{}
	g := startGW(t, gateway.Config{
		Routes: []gateway.RouteSpec{route("route", on(d, a.URL), lifeline.WithMaxAttempts(1))},
		Store:  releaseNoted{Store: memory.New(), log: log},
	})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.srv.ServeHTTP(headerNoted{ResponseWriter: w, log: log}, r)
	}))
	t.Cleanup(ts.Close)
	send := func() answer {
		req, err := http.NewRequest(http.MethodPost, ts.URL+d.path, strings.NewReader(d.Body(false)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Idempotency-Key", "retry-at-once")
		return g.do(req)
	}
	wantError(t, d, send(), 503, "upstream_unavailable")
	if got := log.list(); len(got) != 2 || got[0] != "release" {
		t.Fatalf("the failed request's key was released and its answer written in the order %v, want [release answer]", got)
	}
	ans := send()
	wantServed(t, ans, "p0/m0", 1)
	if ans.header.Get("Idempotent-Replayed") != "" || a.Count() != 2 {
		t.Fatalf("a retry sent at once: replayed %q after %d upstream calls, want a run of its own",
			ans.header.Get("Idempotent-Replayed"), a.Count())
	}
}

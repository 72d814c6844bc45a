package mock

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lifelinehq/lifeline/wire"
)

// recWriter records what a handler writes and when (fake time inside a
// synctest bubble).
type recWriter struct {
	mu       sync.Mutex
	h        http.Header
	start    time.Time
	status   int
	headerAt time.Duration
	writes   []timedWrite
}

type timedWrite struct {
	at time.Duration
	b  []byte
}

func newRecWriter() *recWriter { return &recWriter{h: http.Header{}, start: time.Now()} }

func (w *recWriter) Header() http.Header { return w.h }

func (w *recWriter) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writeHeaderLocked(code)
}

func (w *recWriter) writeHeaderLocked(code int) {
	if w.status == 0 {
		w.status, w.headerAt = code, time.Since(w.start)
	}
}

func (w *recWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writeHeaderLocked(http.StatusOK)
	w.writes = append(w.writes, timedWrite{time.Since(w.start), bytes.Clone(b)})
	return len(b), nil
}

func (w *recWriter) Flush() {}

// snapshot returns the status and the bytes written so far.
func (w *recWriter) snapshot() (int, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var b strings.Builder
	for _, wr := range w.writes {
		b.Write(wr.b)
	}
	return w.status, b.String()
}

// firstWriteWith returns when the bytes containing s were written.
func (w *recWriter) firstWriteWith(s string) (time.Duration, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, wr := range w.writes {
		if bytes.Contains(wr.b, []byte(s)) {
			return wr.at, true
		}
	}
	return 0, false
}

// serveAsync runs the handler in the background; the channel yields what
// it panicked with (nil when it returned).
func serveAsync(s *Server, w http.ResponseWriter, r *http.Request) <-chan any {
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		s.ServeHTTP(w, r)
	}()
	return done
}

func newRequest(ctx context.Context, d wire.Dialect, k kind, stream bool, headers ...string) *http.Request {
	path := pathOpenAI
	if d == wire.Anthropic {
		path = pathAnthropic
	}
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, path, strings.NewReader(requestBody(d, k, stream)))
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return r
}

// Latency delays the headers, TTFT the first content event, EventDelay
// every event; a non-stream waits latency + TTFT.
func TestDelays(t *testing.T) {
	cfg := Config{
		Latency:    Range{100 * time.Millisecond, 100 * time.Millisecond},
		TTFT:       Range{time.Second, time.Second},
		EventDelay: Range{10 * time.Millisecond, 10 * time.Millisecond},
	}
	synctest.Test(t, func(t *testing.T) {
		s, _ := New(cfg)
		w := newRecWriter()
		s.ServeHTTP(w, newRequest(context.Background(), wire.OpenAI, kText, true))
		if w.headerAt != 100*time.Millisecond {
			t.Errorf("headers at %v, want the latency 100ms", w.headerAt)
		}
		// Events: role (0), content (1…6), finish, usage, [DONE] — 10 in all.
		if at, _ := w.firstWriteWith(`"content":"Hello`); at != 100*time.Millisecond+time.Second+10*time.Millisecond {
			t.Errorf("first content at %v, want latency + ttft + one gap", at)
		}
		if at, _ := w.firstWriteWith("[DONE]"); at != 100*time.Millisecond+time.Second+9*10*time.Millisecond {
			t.Errorf("[DONE] at %v, want latency + ttft + 9 gaps", at)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		s, _ := New(cfg)
		w := newRecWriter()
		s.ServeHTTP(w, newRequest(context.Background(), wire.Anthropic, kText, false))
		if w.headerAt != 1100*time.Millisecond || len(w.writes) != 1 {
			t.Errorf("non-stream headers at %v in %d writes, want latency + ttft in one write", w.headerAt, len(w.writes))
		}
	})
}

// A latency range draws a value per request, within the range, the same
// for the same seed; X-Mock-Latency overrides it.
func TestLatencyRangeIsSeeded(t *testing.T) {
	run := func(seed uint64) []time.Duration {
		var out []time.Duration
		synctest.Test(t, func(t *testing.T) {
			s, _ := New(Config{Seed: seed, Latency: Range{20 * time.Millisecond, 80 * time.Millisecond}})
			for range 20 {
				w := newRecWriter()
				s.ServeHTTP(w, newRequest(context.Background(), wire.OpenAI, kText, false))
				out = append(out, w.headerAt)
			}
			w := newRecWriter()
			s.ServeHTTP(w, newRequest(context.Background(), wire.OpenAI, kText, false, "X-Mock-Latency", "3s"))
			if w.headerAt != 3*time.Second {
				t.Errorf("X-Mock-Latency: headers at %v", w.headerAt)
			}
		})
		return out
	}
	a, b, c := run(1), run(1), run(2)
	distinct := map[time.Duration]bool{}
	for i, d := range a {
		if d < 20*time.Millisecond || d > 80*time.Millisecond {
			t.Errorf("latency %v outside 20ms-80ms", d)
		}
		if d != b[i] {
			t.Errorf("request %d: %v then %v with the same seed", i, d, b[i])
		}
		distinct[d] = true
	}
	if len(distinct) < 10 || equalDurations(a, c) {
		t.Errorf("latencies do not vary: %v / %v", a, c)
	}
}

func equalDurations(a, b []time.Duration) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// hang sends nothing until the client goes away, then returns.
func TestHangUntilClientCancels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _ := New(Config{})
		ctx, cancel := context.WithCancel(context.Background())
		w := newRecWriter()
		done := serveAsync(s, w, newRequest(ctx, wire.Anthropic, kText, true, "X-Mock-Fault", "hang"))
		time.Sleep(DefaultHangMax - time.Second)
		synctest.Wait()
		if status, body := w.snapshot(); status != 0 || body != "" {
			t.Fatalf("hang wrote status %d body %q", status, body)
		}
		cancel()
		if p := <-done; p != nil {
			t.Fatalf("handler panicked with %v after the client left", p)
		}
		if e := s.Ledger()[0]; e.Fault != Hang || e.Status != 0 || e.Valid {
			t.Errorf("ledger %+v", e)
		}
	})
}

// After its bound, or when the server is closed, a hang drops the
// connection.
func TestHangBoundAndClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _ := New(Config{})
		start := time.Now()
		done := serveAsync(s, newRecWriter(), newRequest(context.Background(), wire.OpenAI, kText, false,
			"X-Mock-Fault", "hang", "X-Mock-Fault-Arg", "2s"))
		if p := <-done; p != http.ErrAbortHandler || time.Since(start) != 2*time.Second {
			t.Errorf("after %v: %v, want http.ErrAbortHandler after 2s", time.Since(start), p)
		}
		w := newRecWriter()
		done = serveAsync(s, w, newRequest(context.Background(), wire.OpenAI, kText, true, "X-Mock-Fault", "stall"))
		synctest.Wait()
		if _, body := w.snapshot(); strings.Count(body, "data: ") != DefaultStallAfter {
			t.Errorf("stall sent %q, want %d events", body, DefaultStallAfter)
		}
		_ = s.Close()
		if p := <-done; p != http.ErrAbortHandler {
			t.Errorf("Close: %v, want http.ErrAbortHandler", p)
		}
	})
}

// Over a real connection, a hanging request ends when the client cancels,
// and the handler returns (goleak checks that no goroutine is left).
func TestHangReleasedByClientOverHTTP(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	returned := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(returned)
		s.ServeHTTP(w, r)
	}))
	defer ts.Close()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+pathOpenAI, strings.NewReader(requestBody(wire.OpenAI, kText, true)))
		req.Header.Set("X-Mock-Fault", "hang")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	for len(s.Ledger()) == 0 { // the entry is written just before the hang starts
		select {
		case err := <-errc:
			t.Fatalf("the request ended before the hang: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("a hanging request returned a response")
	}
	<-returned
}

// Running.Close ends hanging requests at once instead of waiting out the
// grace period.
func TestListenCloseReleasesHangs(t *testing.T) {
	run, err := Listen("127.0.0.1:0", Config{})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, run.URL+pathAnthropic, strings.NewReader(requestBody(wire.Anthropic, kText, false)))
		req.Header.Set("X-Mock-Fault", "hang")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	for len(run.Server.Ledger()) == 0 {
		select {
		case err := <-errc:
			t.Fatalf("the request ended before the hang: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	start := time.Now()
	if err := run.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took >= DefaultGrace {
		t.Errorf("Close took %v: it waited for the hang", took)
	}
	if err := <-errc; err == nil {
		t.Error("the hanging request got a response")
	}
	if err := run.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

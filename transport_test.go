package lifeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/wire"
)

// The Transport reuses its per-request storage: the upstream request, its
// header map, context and body buffer. Many goroutines sending different
// requests must each get their own answer, and the upstream must see each
// request's own key and body, also when other requests leave their
// storage to net/http: an attempt cut by its bound, a connection cut in
// the middle of an answer, a caller that cancels.
func TestTransportConcurrentRequestsKeepTheirOwnState(t *testing.T) {
	var calls, stallCalls atomic.Int32
	var waiting sync.Map // cancelled request's text → closed when the upstream has it
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct{ Content string } `json:"messages"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) != 1 {
			calls.Add(1)
			w.WriteHeader(500)
			return
		}
		text := req.Messages[0].Content
		if strings.HasPrefix(text, "stall") {
			stallCalls.Add(1)
		} else {
			calls.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasPrefix(text, "refuse"):
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":{"type":"invalid_request_error","message":"refused %s"}}`, text)
			return
		case strings.HasPrefix(text, "cancel"):
			if arrived, ok := waiting.Load(text); ok {
				close(arrived.(chan struct{}))
			}
			<-r.Context().Done() // until the caller ends it
			return
		case strings.HasPrefix(text, "stall"):
			<-r.Context().Done() // until the attempt's bound ends it
			return
		case strings.HasPrefix(text, "cut"):
			w.Header().Set("Content-Length", "500")
			w.WriteHeader(200)
			io.WriteString(w, `{"id":"c",`)
			w.(http.Flusher).Flush()
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		fmt.Fprintf(w, `{"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":%q},"finish_reason":"stop"}],"key":%q}`,
			text, r.Header.Get("Idempotency-Key"))
	}))
	defer srv.Close()
	// Few idle connections: requests often dial, and net/http goes on with
	// a dial under the context of the request that started it.
	e := lifeline.New(lifeline.WithHTTPClient(&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}))
	// Stalled requests go through a route whose attempts end soon; the
	// others through one with the default bounds. Both share the engine's
	// pooled storage.
	client := func(name string, bounds lifeline.Timeouts) *http.Client {
		r, err := e.NewRoute(name, []lifeline.Target{{
			Provider: &lifeline.Provider{Name: "p", Kind: wire.OpenAI, BaseURL: srv.URL + "/v1", APIKey: "k"}, Model: "m",
		}}, lifeline.WithMaxAttempts(1), lifeline.WithTimeouts(bounds),
			// Cut attempts must not open the breaker over the healthy ones.
			lifeline.WithBreaker(breaker.Config{ConsecutiveFailures: 1000, FailureRate: 1, MinRequests: 1000}))
		if err != nil {
			t.Fatal(err)
		}
		return &http.Client{Transport: e.Transport(r)}
	}
	c := client("route", lifeline.Timeouts{})
	stalls := client("stalls", lifeline.Timeouts{Attempt: 200 * time.Millisecond})

	kinds := []string{"", "refuse-", "", "stall-", "", "cut-", "", "cancel-"}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 48 {
				kind := kinds[(g+i)%len(kinds)]
				text := fmt.Sprintf("%sg%d-i%d", kind, g, i)
				key := "key-" + text
				body := fmt.Sprintf(`{"model":"route","messages":[{"role":"user","content":%q}]}`, text)
				// Requests under one context may share storage; the others
				// may not (net/http reads a request context's values after
				// the request, in a dial it goes on with).
				ctx, cancel := context.Background(), func() {}
				if i%2 == 1 || kind == "cancel-" {
					ctx, cancel = context.WithCancel(context.Background())
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://lifeline.invalid/v1/chat/completions", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", key)
				if kind == "cancel-" {
					// The caller leaves once the upstream has the request.
					arrived := make(chan struct{})
					waiting.Store(text, arrived)
					go func() {
						select {
						case <-arrived:
						case <-time.After(30 * time.Second): // a bound on the test, not a timing
						}
						cancel()
					}()
				}
				via := c
				if kind == "stall-" {
					via = stalls
				}
				resp, err := via.Do(req)
				if kind == "cancel-" {
					if err == nil || !errors.Is(err, context.Canceled) {
						t.Errorf("%s: got %v, want the caller's cancel", text, err)
					}
					cancel()
					continue
				}
				cancel()
				if err != nil {
					t.Error(err)
					return
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch kind {
				case "refuse-":
					if resp.StatusCode != 400 || !bytes.Contains(got, []byte("refused "+text)) {
						t.Errorf("%s: %d %s", text, resp.StatusCode, got)
					}
					continue
				case "stall-", "cut-":
					if resp.StatusCode < 500 {
						t.Errorf("%s: %d %s, want a failure", text, resp.StatusCode, got)
					}
					continue
				}
				var out struct {
					Choices []struct{ Message struct{ Content string } }
					Key     string
				}
				if err := json.Unmarshal(got, &out); err != nil || len(out.Choices) != 1 {
					t.Errorf("%s: %d %s", text, resp.StatusCode, got)
					continue
				}
				if out.Choices[0].Message.Content != text || out.Key != key {
					t.Errorf("request %s (key %s) got the answer of %s (key %s)", text, key, out.Choices[0].Message.Content, out.Key)
				}
				if a := resp.Header.Get(lifeline.HeaderAttempts); a != "1" {
					t.Errorf("%s: %s = %q", text, lifeline.HeaderAttempts, a)
				}
			}
		})
	}
	wg.Wait()
	// One upstream call per request. A stalled request's attempt may end
	// (its bound is short) before a loaded machine dialled for it: at most
	// one call for each of those.
	const stalled = 8 * 48 / 8
	if n, s := calls.Load(), stallCalls.Load(); n != 8*48-stalled || s > stalled {
		t.Fatalf("upstream calls = %d and %d for stalled requests, want %d and at most %d (one per request)", n, s, 8*48-stalled, stalled)
	}
}

// A stream whose events come at gaps shorter than the idle bound is never
// cut, however long it lasts in total; a stall after some content is cut
// one idle bound after the last event.
func TestIdleBoundFollowsEachEvent(t *testing.T) {
	const idle = 60 * time.Millisecond
	timeouts := lifeline.WithTimeouts(lifeline.Timeouts{Idle: idle, FirstToken: 5 * time.Second, Total: 10 * time.Second})
	inBubbles(t, func(t *testing.T, d dialect) {
		// Every gap is half the bound; together they last several bounds.
		gaps := make([]time.Duration, len(d.Stream))
		for i := range gaps {
			gaps[i] = idle / 2
		}
		up := newClocked()
		steady := up.on("steady.invalid", timedEvents(0, d.Stream, gaps, false))
		f := newFixtureOn(t, up.client(), d, []string{steady}, lifeline.WithMaxAttempts(1), timeouts)
		resp, body, err := f.do(true)
		if err != nil {
			t.Fatalf("a steady stream was cut: %v (body %q)", err, body)
		}
		if body != strings.Join(d.Stream, "") {
			t.Fatalf("body = %q", body)
		}
		wantClasses(t, resp, err, "p0/m0:ok")

		// The same stream without its last event, then a stall.
		stalled := up.on("stalled.invalid", timedEvents(0, d.Stream[:len(d.Stream)-1], gaps, true))
		f = newFixtureOn(t, up.client(), d, []string{stalled}, lifeline.WithMaxAttempts(1), timeouts)
		rs, err := f.engine.Do(t.Context(), f.route, &lifeline.Request{Dialect: d.Kind, Body: []byte(d.StreamRequest())})
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Stream.Close()
		// The longest gap between chunks is the stall, ended by the bound
		// (the last chunk is the error event).
		var gap time.Duration
		last := time.Now()
		for {
			if _, err := rs.Stream.Next(); err != nil {
				break
			}
			gap, last = max(gap, time.Since(last)), time.Now()
		}
		if rs.Stream.Err() == nil || !strings.Contains(rs.Stream.Err().Error(), "idle") {
			t.Fatalf("stream error = %v, want the idle bound", rs.Stream.Err())
		}
		if gap != idle {
			t.Fatalf("cut %v after the last event, want %v", gap, idle)
		}
	})
}

// An upstream may answer before it has read the request's body (a 429
// from a rate limiter in front of the model): net/http then still writes
// the body while the answer is read, and over HTTP/1.1 may go on writing
// after the answer's body is closed. The retry must not share anything
// that write still reads: each attempt's upstream must see the whole body,
// intact. Over HTTP/2 net/http ends its write before the answer's body
// closes; the run there shows the retry arrives whole on that protocol too.
func TestEarlyAnswerLeavesTheRetrysBodyIntact(t *testing.T) {
	big := strings.Repeat("x", 4<<20) // more than the sockets buffer: the first write stalls
	body := fmt.Sprintf(`{"model":"route","messages":[{"role":"user","content":%q}]}`, big)
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "HTTP1", true: "HTTP2"}[h2], func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1)%2 == 1 {
					// Refuse at once, reading nothing of the body.
					w.Header().Set("Content-Type", "application/json")
					w.Header().Set("Retry-After", "0")
					w.WriteHeader(http.StatusTooManyRequests)
					io.WriteString(w, `{"error":{"type":"rate_limit_error","message":"slow down"}}`)
					return
				}
				var req struct {
					Messages []struct{ Content string } `json:"messages"`
				}
				if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) != 1 || req.Messages[0].Content != big {
					w.WriteHeader(http.StatusBadRequest)
					fmt.Fprintf(w, `{"error":{"type":"invalid_request_error","message":"the body arrived damaged: %v"}}`, err)
					return
				}
				if want := map[bool]string{false: "HTTP/1.1", true: "HTTP/2.0"}[h2]; r.Proto != want {
					w.WriteHeader(http.StatusBadRequest)
					fmt.Fprintf(w, `{"error":{"type":"invalid_request_error","message":"came over %s, want %s"}}`, r.Proto, want)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, openaiD.OK)
			}))
			if h2 {
				srv.EnableHTTP2 = true
				srv.StartTLS()
			} else {
				srv.Start()
			}
			client := srv.Client()
			defer srv.Close()
			e := lifeline.New(lifeline.WithHTTPClient(client))
			r, err := e.NewRoute("route", []lifeline.Target{{
				Provider: &lifeline.Provider{Name: "p", Kind: wire.OpenAI, BaseURL: srv.URL + "/v1", APIKey: "k"}, Model: "m",
			}}, append(fastPolicy(),
				// 4 MiB over TLS on a loaded machine under -race: the bounds
				// are not what this test is about.
				lifeline.WithTimeouts(lifeline.Timeouts{Attempt: 30 * time.Second, FirstToken: 30 * time.Second, Total: time.Minute}))...)
			if err != nil {
				t.Fatal(err)
			}
			c := &http.Client{Transport: e.Transport(r)}
			for i := range 4 {
				resp, err := c.Post("http://lifeline.invalid/v1/chat/completions", "application/json", strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("request %d: %d %s", i, resp.StatusCode, got)
				}
			}
		})
	}
}

// roundTripFunc is a RoundTripper written as a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A transport may still read a request's body after it returned the answer
// (net/http does, when the upstream answered early). The Transport then
// keeps that body's buffer from the next request: what is read late is
// the request's own bytes, never the next one's.
func TestBodyReadAfterTheAnswerKeepsItsBytes(t *testing.T) {
	held := make(chan func() string, 1)
	var late atomic.Bool
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		trace := httptrace.ContextClientTrace(r.Context())
		read := func() string {
			b, _ := io.ReadAll(r.Body)
			r.Body.Close()
			if trace != nil && trace.WroteRequest != nil {
				trace.WroteRequest(httptrace.WroteRequestInfo{})
			}
			return string(b)
		}
		if late.Load() {
			held <- read // read after the answer, when the test says
		} else {
			read()
		}
		return &http.Response{
			StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   io.NopCloser(strings.NewReader(openaiD.OK)), ContentLength: int64(len(openaiD.OK)), Request: r,
		}, nil
	})
	e := lifeline.New(lifeline.WithHTTPClient(&http.Client{Transport: rt}))
	r, err := e.NewRoute("route", []lifeline.Target{{
		Provider: &lifeline.Provider{Name: "p", Kind: wire.OpenAI, BaseURL: "http://upstream.invalid/v1", APIKey: "k"}, Model: "m",
	}})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: e.Transport(r)}
	send := func(text string) {
		t.Helper()
		body := fmt.Sprintf(`{"model":"route","messages":[{"role":"user","content":%q}]}`, text)
		resp, err := c.Post("http://lifeline.invalid/v1/chat/completions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", text, resp.StatusCode)
		}
	}
	for i := range 8 { // pooled storage is not always reused: try a few times
		a, b := fmt.Sprintf("first-%d-aaaaaaaa", i), fmt.Sprintf("second-%d-bbbbbbb", i)
		late.Store(true)
		send(a)
		late.Store(false)
		send(b)
		if got := (<-held)(); !strings.Contains(got, a) {
			t.Fatalf("the body read after its answer is %s, want the one that carried %q", got, a)
		}
	}
}

// An observer may keep a RequestFinished event's error: its attempts stay
// as they were after the Transport reused the call's storage for the next
// requests.
func TestObserverMayKeepTheFinishedError(t *testing.T) {
	a := newUpstream(t, openaiD.Server)
	var kept []error
	e := lifeline.New(lifeline.WithObserver(func(ev lifeline.Event) {
		if ev.Kind == lifeline.RequestFinished && ev.Err != nil {
			kept = append(kept, ev.Err)
		}
	}))
	r, err := e.NewRoute("route", []lifeline.Target{{Provider: &lifeline.Provider{Name: "p", Kind: lifeline.OpenAI, BaseURL: a.URL}, Model: "m"}},
		append(fastPolicy(), lifeline.WithMaxAttempts(2))...)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: e.Transport(r)}
	for range 3 {
		resp, err := c.Post("http://lifeline.invalid/v1/chat/completions", "application/json", strings.NewReader(openaiD.Request))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if len(kept) != 3 {
		t.Fatalf("%d errors kept, want 3", len(kept))
	}
	for i, err := range kept {
		var le *lifeline.Error
		if !errors.As(err, &le) || len(le.Attempts) == 0 {
			t.Fatalf("kept error %d: %v", i, err)
		}
		for _, at := range le.Attempts {
			if at.Target != "p/m" || at.Class.String() != "transient" || at.Status != 500 {
				t.Fatalf("kept error %d after later requests: attempts %+v", i, le.Attempts)
			}
		}
	}
}

// A provider's 413 that is a proxy's HTML page, not an error body, reaches
// the caller as an error of its dialect with the status in its message.
func TestTransportRejectedPageBecomesAnError(t *testing.T) {
	a := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		io.WriteString(w, "<html><head><title>413 Request Entity Too Large</title></head><body>cloudflare</body></html>")
	})
	f := newFixture(t, anthropicD, []string{a.URL})
	c := &http.Client{Transport: f.engine.Transport(f.route)}
	resp, err := c.Post("http://lifeline.invalid/v1/messages", "application/json", strings.NewReader(anthropicD.Request))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var e struct {
		Type  string `json:"type"`
		Error struct{ Type, Message string }
	}
	if resp.StatusCode != 413 || json.Unmarshal(body, &e) != nil || e.Type != "error" ||
		e.Error.Type != "request_too_large" || !strings.Contains(e.Error.Message, "413") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

// A Transport without a route (a NewRoute error ignored, a zero
// Transport) answers as Engine.Do does, with a 400 in the request's
// dialect that names the mistake: it never panics in the caller's client.
func TestTransportWithoutRoute(t *testing.T) {
	built := func() *lifeline.Route {
		r, err := lifeline.New().NewRoute("r", []lifeline.Target{{Provider: &lifeline.Provider{
			Name: "p", Kind: lifeline.Anthropic, BaseURL: "http://127.0.0.1:1"}, Model: "m"}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	var zero lifeline.Engine
	var none *lifeline.Engine
	for name, tc := range map[string]struct {
		tr   http.RoundTripper
		want string // the mistake the error names
	}{
		"nil route":      {lifeline.New().Transport(nil), "no route"},
		"zero Transport": {&lifeline.Transport{}, "no route"},
		"zero Route":     {lifeline.New().Transport(&lifeline.Route{}), "no route"},
		"zero Engine":    {zero.Transport(built()), "no engine"},
		"nil Engine":     {none.Transport(built()), "no engine"},
	} {
		req, err := http.NewRequest(http.MethodPost, "http://lifeline.invalid/v1/messages",
			strings.NewReader(`{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := (&http.Client{Transport: tc.tr}).Do(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(body), `"type":"error"`) || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: got %d %s, want a 400 Anthropic error that says %s", name, resp.StatusCode, body, tc.want)
		}
		if resp.Header.Get("X-Should-Retry") != "false" {
			t.Errorf("%s: x-should-retry is %q, want false", name, resp.Header.Get("X-Should-Retry"))
		}
	}
}

// Do refuses a Route or an Engine that was not built by NewRoute or New
// with ErrBadRequest, as it refuses a nil route, instead of panicking.
func TestDoWithoutBuiltRouteOrEngine(t *testing.T) {
	req := &lifeline.Request{Dialect: lifeline.OpenAI, Body: []byte(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`)}
	r, err := lifeline.New().NewRoute("r", []lifeline.Target{{Provider: &lifeline.Provider{
		Name: "p", Kind: lifeline.OpenAI, BaseURL: "http://127.0.0.1:1/v1"}, Model: "m"}})
	if err != nil {
		t.Fatal(err)
	}
	var zero lifeline.Engine
	for name, do := range map[string]func() (*lifeline.Response, error){
		"nil route": func() (*lifeline.Response, error) { return lifeline.New().Do(context.Background(), nil, req) },
		"zero Route": func() (*lifeline.Response, error) {
			return lifeline.New().Do(context.Background(), &lifeline.Route{}, req)
		},
		"zero Engine": func() (*lifeline.Response, error) { return zero.Do(context.Background(), r, req) },
		"nil Engine": func() (*lifeline.Response, error) {
			var none *lifeline.Engine
			return none.Do(context.Background(), r, req)
		},
	} {
		resp, err := do()
		if resp != nil || !errors.Is(err, lifeline.ErrBadRequest) {
			t.Errorf("%s: Do = %v, %v; want ErrBadRequest", name, resp, err)
		}
	}
}

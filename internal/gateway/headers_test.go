package gateway_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/wire"
)

func TestLifelineHeadersOnEveryAnswerThatWentUpstream(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Server)
		b := newUpstream(t, d.Good(stream))
		g := newGW(t, d, []string{a.URL, b.URL}, lifeline.WithMaxAttempts(2))
		first := g.send(d, stream)
		wantServed(t, first, "p1/m1", 3)
		second := g.send(d, stream)
		for _, ans := range []answer{first, second} {
			if ans.header.Get("X-Lifeline-Route") != "route" || ans.header.Get("X-Request-Id") == "" {
				t.Fatalf("headers %v", ans.header)
			}
		}
		if first.header.Get("X-Request-Id") == second.header.Get("X-Request-Id") {
			t.Fatal("two requests share an X-Request-Id")
		}

		// An error after upstream attempts: route, attempts and id, no target.
		only := newGW(t, d, []string{a.URL}, lifeline.WithMaxAttempts(2))
		ans := only.send(d, stream)
		wantError(t, d, ans, 503, "upstream_unavailable")
		if ans.header.Get("X-Lifeline-Route") != "route" || ans.header.Get("X-Lifeline-Attempts") != "2" ||
			ans.header.Get("X-Request-Id") == "" || ans.header.Values("X-Lifeline-Target") != nil {
			t.Fatalf("error headers %v", ans.header)
		}

		// An error before any upstream call still has its request id.
		ans = only.post(d.path, `{`)
		if ans.status != 400 || ans.header.Get("X-Request-Id") == "" {
			t.Fatalf("status %d headers %v", ans.status, ans.header)
		}
	})
}

func TestUpstreamRateLimitHeadersComeBack(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		limits := []string{
			"X-Ratelimit-Remaining-Requests", "99", "X-Ratelimit-Limit-Tokens", "90000",
			"Anthropic-Ratelimit-Requests-Remaining", "49", "Request-Id", "req_upstream_1",
		}
		// What an upstream must never push through to the client.
		private := []string{
			"Keep-Alive", "timeout=5", "Proxy-Authenticate", "Basic realm=x", "Upgrade", "h2c",
			"X-Upstream-Internal", "node-7", "Set-Cookie", "session=upstream",
		}
		a := newUpstream(t, withHeader(d.Good(stream), append(limits, private...)...))
		g := newGW(t, d, []string{a.URL})
		ans := g.send(d, stream)
		wantServed(t, ans, "p0/m0", 1)
		for i := 0; i < len(limits); i += 2 {
			if got := ans.header.Get(limits[i]); got != limits[i+1] {
				t.Fatalf("%s = %q, want %q passed back", limits[i], got, limits[i+1])
			}
		}
		for i := 0; i < len(private); i += 2 {
			if got := ans.header.Get(private[i]); got != "" {
				t.Fatalf("upstream header %s: %q reached the client", private[i], got)
			}
		}

		// A rejected answer passes its provider's headers back too.
		r := newUpstream(t, withHeader(d.BadReq, limits...))
		g = newGW(t, d, []string{r.URL})
		ans = g.send(d, stream)
		wantError(t, d, ans, 400, "invalid_request_error")
		if ans.header.Get("Request-Id") != "req_upstream_1" || ans.header.Get("X-Ratelimit-Remaining-Requests") != "99" {
			t.Fatalf("rejected answer headers %v", ans.header)
		}
	})
}

func TestHopByHopAndCredentialsAreNotForwarded(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Good(stream))
		g := startGW(t, gateway.Config{
			Routes: []gateway.RouteSpec{route("route", on(d, a.URL))},
			Keys:   []gateway.Key{{Key: clientKey, Routes: []string{"*"}}},
		})
		req, err := http.NewRequest(http.MethodPost, g.ts.URL+d.path, io.MultiReader(strings.NewReader(d.Body(stream))))
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = -1 // sent chunked
		hop := map[string]string{
			"Connection": "keep-alive, X-Hop-Custom", "X-Hop-Custom": "hop", "Keep-Alive": "timeout=30",
			"Te": "trailers", "Upgrade": "websocket", "Proxy-Authorization": "Basic cHJveHk6cHJveHk=",
			"Proxy-Connection": "keep-alive", "Trailer": "X-Checksum",
			// The gateway has the whole body before it calls upstream: an
			// upstream must not be asked for a 100 Continue it may never send.
			"Expect": "100-continue",
		}
		// Where the client is on its network is no provider's business.
		addr := map[string]string{
			"X-Forwarded-For": "10.0.0.7", "X-Real-Ip": "10.0.0.7", "Forwarded": "for=10.0.0.7;proto=https",
			"X-Forwarded-Host": "agents.internal", "X-Forwarded-Proto": "https", "Via": "1.1 edge-proxy",
		}
		for k, v := range hop {
			req.Header.Set(k, v)
		}
		for k, v := range addr {
			req.Header.Set(k, v)
		}
		req.Header.Set("Authorization", "Bearer "+clientKey)
		req.Header.Set("X-Api-Key", clientKey)
		req.Header.Set("X-Lifeline-Timeout", "30s")
		req.Header.Set("X-Agent-Trace", "trace-1") // an ordinary header goes through
		wantServed(t, g.do(req), "p0/m0", 1)

		up := a.Requests()[0].Header
		for k := range hop {
			if v := up.Values(k); v != nil {
				t.Errorf("hop-by-hop header %s: %q was forwarded upstream", k, v)
			}
		}
		for k := range addr {
			if v := up.Values(k); v != nil {
				t.Errorf("client address header %s: %q was forwarded upstream", k, v)
			}
		}
		if v := up.Get("Transfer-Encoding"); v != "" {
			t.Errorf("Transfer-Encoding %q forwarded", v)
		}
		if up.Get("X-Lifeline-Timeout") != "" {
			t.Error("lifeline's own header was forwarded")
		}
		if up.Get("X-Agent-Trace") != "trace-1" {
			t.Errorf("an ordinary client header was dropped: %v", up)
		}
		for k, vs := range up {
			for _, v := range vs {
				if strings.Contains(v, clientKey) {
					t.Fatalf("the client's key reached the upstream in %s", k)
				}
			}
		}
		switch d.Kind {
		case wire.Anthropic:
			if up.Get("X-Api-Key") != anthropicKey || up.Get("Authorization") != "" {
				t.Fatalf("upstream credentials: x-api-key %q authorization %q", up.Get("X-Api-Key"), up.Get("Authorization"))
			}
		default:
			if up.Get("Authorization") != "Bearer "+openaiKey || up.Get("X-Api-Key") != "" {
				t.Fatalf("upstream credentials: authorization %q x-api-key %q", up.Get("Authorization"), up.Get("X-Api-Key"))
			}
		}
	})
}

func TestIdempotencyKeyIsTheSameOnEveryAttempt(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Server)
		b := newUpstream(t, d.RateLimit(map[string]string{"retry-after-ms": "1"}), d.Good(stream))
		g := newGW(t, d, []string{a.URL, b.URL})
		keysOf := func() []string {
			var out []string
			for _, u := range []*upstream{a, b} {
				for _, r := range u.Requests() {
					out = append(out, r.Header.Get("Idempotency-Key"))
				}
			}
			return out
		}
		wantServed(t, g.send(d, stream, "Idempotency-Key", "agent-step-42"), "p1/m1", 5)
		for _, k := range keysOf() {
			if k != "agent-step-42" {
				t.Fatalf("upstream keys %q, want the client's on every attempt", keysOf())
			}
		}

		a.SetScript(d.Server)
		b.SetScript(d.RateLimit(map[string]string{"retry-after-ms": "1"}), d.Good(stream))
		wantServed(t, g.send(d, stream), "p1/m1", 5)
		keys := keysOf()
		if len(keys) != 5 || keys[0] == "" || keys[0] == "agent-step-42" {
			t.Fatalf("generated keys %q", keys)
		}
		for _, k := range keys {
			if k != keys[0] {
				t.Fatalf("generated keys differ across attempts: %q", keys)
			}
		}
	})
}

func TestClientDisconnectCancelsTheUpstreamAttempt(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		started, gone := make(chan struct{}), make(chan struct{})
		var once sync.Once
		beh := func(w http.ResponseWriter, r *http.Request) {
			if stream {
				w.Header().Set("Content-Type", "text/event-stream")
				w.WriteHeader(200)
				for _, e := range d.Stream[:d.Opening+1] {
					io.WriteString(w, e)
				}
				w.(http.Flusher).Flush()
			}
			once.Do(func() { close(started) })
			<-r.Context().Done()
			close(gone)
		}
		a := newUpstream(t, beh)
		g := newGW(t, d, []string{a.URL})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.ts.URL+d.path, strings.NewReader(d.Body(stream)))
		if err != nil {
			t.Fatal(err)
		}
		errc := make(chan error, 1)
		go func() {
			resp, err := g.client.Do(req)
			if err == nil {
				// The held opening events come out with the first content event.
				_, err = bufio.NewReader(resp.Body).ReadString('\n')
				if err == nil {
					cancel()
				}
				resp.Body.Close()
			}
			errc <- err
		}()
		<-started
		if !stream {
			cancel()
		}
		select {
		case <-gone:
		case <-time.After(5 * time.Second):
			t.Fatal("the upstream attempt outlived its client")
		}
		if err := <-errc; stream && err != nil {
			t.Fatalf("stream did not start: %v", err)
		}
		waitIdle(t, g.srv)
		if a.Count() != 1 {
			t.Fatalf("a request whose client left was retried: %d calls", a.Count())
		}
	})
}

// waitIdle waits until the gateway serves no request.
func waitIdle(t *testing.T, s *gateway.Server) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s.InFlight() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests still in flight", s.InFlight())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// deadlineWriter is a ResponseWriter that notes a body write made while no
// write deadline bounded it.
type deadlineWriter struct {
	*httptest.ResponseRecorder
	deadline  time.Time
	unbounded bool
}

func (w *deadlineWriter) SetWriteDeadline(t time.Time) error { w.deadline = t; return nil }

func (w *deadlineWriter) Write(b []byte) (int, error) {
	if w.deadline.IsZero() {
		w.unbounded = true
	}
	return w.ResponseRecorder.Write(b)
}

// A client that stops reading holds no answer's handler forever: replays
// (up to a whole stored stream) and errors (a rejected request's body)
// are written under a deadline like served answers.
func TestEveryAnswerIsWrittenUnderAWriteDeadline(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Good(stream))
		r := newUpstream(t, d.BadReq)
		g := startGW(t, gateway.Config{Routes: []gateway.RouteSpec{
			route("route", on(d, a.URL)),
			prefixedRoute("rejecting", "r", on(d, r.URL)),
		}})
		wantServed(t, g.send(d, stream, "Idempotency-Key", "bounded"), "p0/m0", 1)
		for _, tc := range []struct {
			name, body, key string
			status          int
		}{
			{"served", d.Body(stream), "", 200},
			{"replay", d.Body(stream), "bounded", 200},
			{"unknown route", strings.Replace(d.Body(stream), `"route"`, `"nope"`, 1), "", 404},
			{"rejected", strings.Replace(d.Body(stream), `"route"`, `"rejecting"`, 1), "", 400},
		} {
			req := httptest.NewRequest(http.MethodPost, d.path, strings.NewReader(tc.body))
			if tc.key != "" {
				req.Header.Set("Idempotency-Key", tc.key)
			}
			w := &deadlineWriter{ResponseRecorder: httptest.NewRecorder()}
			g.srv.ServeHTTP(w, req)
			if w.Code != tc.status {
				t.Fatalf("%s: status %d, want %d: %s", tc.name, w.Code, tc.status, w.Body)
			}
			if w.unbounded {
				t.Errorf("%s: the answer was written without a write deadline", tc.name)
			}
		}
	})
}

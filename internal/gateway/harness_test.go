package gateway_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/backoff"
	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/budget"
	"github.com/lifelinehq/lifeline/internal/eventtest"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/internal/syncbuffer"
	"github.com/lifelinehq/lifeline/wire"
)

// Credentials every test gateway holds. None may ever appear in what the
// gateway writes or serves: every harness checks that when its test ends.
const (
	anthropicKey = "sk-ant-SECRET-abc123"
	openaiKey    = "sk-SECRET-xyz789"
	clientKey    = "client-SECRET-key-42"
)

var secrets = []string{anthropicKey, openaiKey, clientKey}

func providerKey(d wire.Dialect) lifeline.Secret {
	if d == wire.Anthropic {
		return anthropicKey
	}
	return openaiKey
}

// link is one target of a test route: an upstream of some dialect.
type link struct {
	kind wire.Dialect
	url  string
}

// on makes links of one dialect.
func on(d dialect, urls ...string) []link {
	out := make([]link, len(urls))
	for i, u := range urls {
		out[i] = link{kind: d.Kind, url: u}
	}
	return out
}

// chainOf names the targets P0/m0, P1/m1, … in order, P being prefix.
// Each provider gets the credential of its kind.
func chainOf(prefix string, links []link) []lifeline.Target {
	var chain []lifeline.Target
	for i, l := range links {
		base := l.url
		if l.kind == wire.OpenAI {
			base += "/v1"
		}
		p := &lifeline.Provider{Name: fmt.Sprintf("%s%d", prefix, i), Kind: l.kind, BaseURL: base, APIKey: providerKey(l.kind)}
		chain = append(chain, lifeline.Target{Provider: p, Model: fmt.Sprintf("m%d", i)})
	}
	return chain
}

// fast keeps tests quick and deterministic: tiny backoff, bounds well
// above a local round trip, a breaker and a retry budget that stay out of
// the way unless a test sets its own.
func fast() []lifeline.RouteOption {
	return []lifeline.RouteOption{
		lifeline.WithBackoff(backoff.Policy{Base: time.Millisecond, Cap: 2 * time.Millisecond, Jitter: backoff.None}),
		lifeline.WithTimeouts(lifeline.Timeouts{Attempt: 10 * time.Second, FirstToken: 5 * time.Second, Idle: 5 * time.Second, Total: 20 * time.Second}),
		lifeline.WithBreaker(breaker.Config{ConsecutiveFailures: 1000, MinRequests: 1000}),
		lifeline.WithBudget(budget.Config{Ratio: 1, MinPerSecond: 1000}),
	}
}

// route builds a route spec over links (targets p0/m0, p1/m1, …) with the
// fast policy plus opts.
func route(name string, links []link, opts ...lifeline.RouteOption) gateway.RouteSpec {
	return prefixedRoute(name, "p", links, opts...)
}

// prefixedRoute is route with targets named after prefix, so that routes
// of one gateway do not share targets' state.
func prefixedRoute(name, prefix string, links []link, opts ...lifeline.RouteOption) gateway.RouteSpec {
	return gateway.RouteSpec{Name: name, Chain: chainOf(prefix, links), Options: append(fast(), opts...)}
}

// harness is a gateway served on a real listener, with everything it
// logged and served kept for inspection.
type harness struct {
	t        testing.TB
	srv      *gateway.Server
	ts       *httptest.Server
	client   *http.Client
	upstream *http.Transport
	reg      *prometheus.Registry
	logs     *syncbuffer.Buffer
	served   *syncbuffer.Buffer
	rec      *eventtest.Recorder
}

// newGW serves one route "route" over same-dialect upstreams.
func newGW(t testing.TB, d dialect, urls []string, opts ...lifeline.RouteOption) *harness {
	t.Helper()
	return startGW(t, gateway.Config{Routes: []gateway.RouteSpec{route("route", on(d, urls...), opts...)}})
}

// startGW builds, readies and serves cfg. Unset logger, registry and
// upstream client are filled in; the logger writes both JSON and text at
// debug level.
func startGW(t testing.TB, cfg gateway.Config) *harness {
	t.Helper()
	h := &harness{t: t, logs: &syncbuffer.Buffer{}, served: &syncbuffer.Buffer{}, rec: &eventtest.Recorder{}}
	if cfg.Logger == nil {
		opts := &slog.HandlerOptions{Level: slog.LevelDebug}
		cfg.Logger = slog.New(slog.NewMultiHandler(slog.NewJSONHandler(h.logs, opts), slog.NewTextHandler(h.logs, opts)))
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	h.reg = cfg.Registry
	if cfg.HTTPClient == nil {
		h.upstream = http.DefaultTransport.(*http.Transport).Clone()
		cfg.HTTPClient = &http.Client{Transport: h.upstream}
	}
	next := cfg.Observer
	cfg.Observer = func(ev lifeline.Event) {
		h.rec.Observe(ev)
		if next != nil {
			next(ev)
		}
	}
	srv, err := gateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.MarkReady()
	h.srv = srv
	// Served as lifeline serve serves it: Abort reaches every request.
	h.ts = httptest.NewUnstartedServer(srv)
	h.ts.Config.BaseContext = srv.BaseContext
	h.ts.Start()
	h.client = &http.Client{Transport: &http.Transport{}}
	t.Cleanup(func() {
		h.client.CloseIdleConnections()
		h.ts.Close()
		if h.upstream != nil {
			h.upstream.CloseIdleConnections()
		}
		srv.Close()
	})
	// Runs first: the status pages join what was served, then nothing
	// served or logged may hold a credential.
	t.Cleanup(func() {
		for _, p := range []string{"/metrics", "/api/status", "/", "/v1/models", "/readyz"} {
			h.get(p, "Authorization", "Bearer "+clientKey)
		}
		h.noSecrets()
	})
	return h
}

// noSecrets fails the test when any credential appears in the logs or in
// anything served.
func (h *harness) noSecrets() {
	h.t.Helper()
	for _, where := range []struct {
		name string
		text string
	}{{"logs", h.logs.String()}, {"responses", h.served.String()}} {
		for _, s := range secrets {
			if i := strings.Index(where.text, s); i >= 0 {
				lo, hi := max(0, i-200), min(len(where.text), i+len(s)+100)
				h.t.Errorf("a credential leaked into the %s: …%s…", where.name, where.text[lo:hi])
			}
		}
	}
}

// answer is what a client received.
type answer struct {
	status int
	header http.Header
	body   string
}

// send posts the dialect's request (streaming or not) to its endpoint.
func (h *harness) send(d dialect, stream bool, hdr ...string) answer {
	h.t.Helper()
	return h.post(d.path, d.Body(stream), hdr...)
}

// post sends body to path with the header pairs hdr and reads the whole
// answer.
func (h *harness) post(path, body string, hdr ...string) answer {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.ts.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return h.do(req)
}

// get fetches path with the header pairs hdr.
func (h *harness) get(path string, hdr ...string) answer {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.ts.URL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return h.do(req)
}

func (h *harness) do(req *http.Request) answer {
	h.t.Helper()
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("reading the answer: %v", err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
	record(h.served, a)
	return a
}

// attempts returns the request's attempts as "target:class", from the
// engine's events: for served requests (errors list them in the body).
func (h *harness) attempts(a answer) []string {
	h.t.Helper()
	id := a.header.Get("X-Request-Id")
	if id == "" {
		h.t.Fatal("answer has no X-Request-Id")
	}
	return h.rec.Attempts(id)
}

// wantAttempts checks the attempts of a served request.
func (h *harness) wantAttempts(a answer, want ...string) {
	h.t.Helper()
	if got := h.attempts(a); !slices.Equal(got, want) {
		h.t.Fatalf("attempts = %v, want %v (status %d, body %.300s)", got, want, a.status, a.body)
	}
}

// wantServed checks a 200 answer served by target after attempts.
func wantServed(t testing.TB, a answer, target string, attempts int) {
	t.Helper()
	if a.status != 200 {
		t.Fatalf("status %d, body %.500s", a.status, a.body)
	}
	if got := a.header.Get("X-Lifeline-Target"); got != target {
		t.Fatalf("X-Lifeline-Target = %q, want %q", got, target)
	}
	if got := a.header.Get("X-Lifeline-Attempts"); got != fmt.Sprint(attempts) {
		t.Fatalf("X-Lifeline-Attempts = %q, want %d", got, attempts)
	}
}

// record appends an answer the gateway served to b, in one write.
func record(b *syncbuffer.Buffer, a answer) {
	var s strings.Builder
	fmt.Fprintf(&s, "HTTP %d\n", a.status)
	a.header.Write(&s)
	s.WriteString(a.body)
	s.WriteString("\n\n")
	io.WriteString(b, s.String())
}

// lifelineError is an error body of the gateway, decoded.
type lifelineError struct {
	Type     string // error.type
	Message  string // error.message
	Attempts []attemptJSON
}

type attemptJSON struct {
	Target     string  `json:"target"`
	Status     int     `json:"status"`
	Class      string  `json:"class"`
	Error      string  `json:"error"`
	DurationMS float64 `json:"duration_ms"`
}

// classes lists the attempts as "target:class".
func (e lifelineError) classes() []string {
	out := []string{}
	for _, a := range e.Attempts {
		out = append(out, a.Target+":"+a.Class)
	}
	return out
}

var classNames = []string{"ok", "invalid", "wait", "exhausted", "overloaded", "transient", "rejected", "too_large", "auth", "not_found", "broken_stream"}

// wantError checks an error answer: status, x-should-retry: false, the
// error body in the client's dialect with the given type, and the
// top-level "lifeline" member listing attempts with the documented fields
// and types.
func wantError(t testing.TB, d dialect, a answer, status int, typ string) lifelineError {
	t.Helper()
	return wantErrorRetry(t, d, a, status, typ, false)
}

// wantErrorRetry is wantError for an answer whose x-should-retry is retry.
func wantErrorRetry(t testing.TB, d dialect, a answer, status int, typ string, retry bool) lifelineError {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d; body %.500s", a.status, status, a.body)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q", ct)
	}
	if got, want := a.header.Get("X-Should-Retry"), strconv.FormatBool(retry); got != want {
		t.Fatalf("x-should-retry = %q, want %s", got, want)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(a.body), &top); err != nil {
		t.Fatalf("error body is not a JSON object: %v: %s", err, a.body)
	}
	var inner map[string]json.RawMessage
	if err := json.Unmarshal(top["error"], &inner); err != nil {
		t.Fatalf("no error object: %s", a.body)
	}
	want := []string{"message", "type", "code"}
	if d.Kind == wire.Anthropic {
		want = []string{"type", "message"}
		if string(top["type"]) != `"error"` {
			t.Fatalf(`Anthropic error body lacks "type":"error": %s`, a.body)
		}
	}
	for _, k := range want {
		if _, ok := inner[k]; !ok {
			t.Fatalf("error object lacks %q: %s", k, a.body)
		}
	}
	var e lifelineError
	_ = json.Unmarshal(inner["type"], &e.Type)
	_ = json.Unmarshal(inner["message"], &e.Message)
	if e.Type != typ {
		t.Fatalf("error type %q, want %q: %s", e.Type, typ, a.body)
	}
	if e.Message == "" {
		t.Fatalf("empty error message: %s", a.body)
	}
	var ll struct {
		Attempts []map[string]json.RawMessage `json:"attempts"`
	}
	if err := json.Unmarshal(top["lifeline"], &ll); err != nil || ll.Attempts == nil {
		t.Fatalf(`no "lifeline":{"attempts":[…]} member: %s`, a.body)
	}
	for _, raw := range ll.Attempts {
		for _, k := range []string{"target", "status", "class", "duration_ms"} {
			if _, ok := raw[k]; !ok {
				t.Fatalf("attempt lacks %q: %s", k, a.body)
			}
		}
		var at attemptJSON
		b, _ := json.Marshal(raw)
		if err := json.Unmarshal(b, &at); err != nil {
			t.Fatalf("attempt fields of the wrong type (%v): %s", err, b)
		}
		if !strings.Contains(at.Target, "/") || !slices.Contains(classNames, at.Class) {
			t.Fatalf("attempt target %q class %q: %s", at.Target, at.Class, b)
		}
		if at.Class != "ok" && at.Error == "" {
			t.Fatalf("failed attempt without its error: %s", b)
		}
		e.Attempts = append(e.Attempts, at)
	}
	return e
}

// wantClasses compares an error's attempts.
func wantClasses(t testing.TB, e lifelineError, want ...string) {
	t.Helper()
	if got := e.classes(); !slices.Equal(got, want) {
		t.Fatalf("attempts = %v, want %v", got, want)
	}
}

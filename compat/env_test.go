package compat_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/config"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/internal/setup"
	"github.com/lifelinehq/lifeline/internal/syncbuffer"
	"github.com/lifelinehq/lifeline/mock"
)

// The mock providers of an env: a primary ("-a") and a backup ("-b") of
// each dialect. Each answers with its own text, so a test sees who served.
var upstreamNames = []string{"openai-a", "openai-b", "anthropic-a", "anthropic-b"}

// textOf is the text answer of a mock provider.
// It spans several stream events, so a stream cut after its first content
// event delivers only part of it.
func textOf(upstream string) string {
	return "Hello from " + upstream + ". This answer arrives in several stream events."
}

// compatConfig is the gateway configuration of every env. The backups carry
// the provider header X-Mock-Fault: none, which overrides the fault a test
// forces with the same request header, so only the primary misbehaves.
// The breaker and the retry budget are set out of reach, so each case sees
// the taxonomy's actions alone; backoffs are a millisecond.
const compatConfig = `
providers:
  - {name: openai-a, kind: openai, base_url: "${OPENAI_A}", api_key: sk-compat-openai-a}
  - {name: openai-b, kind: openai, base_url: "${OPENAI_B}", api_key: sk-compat-openai-b, headers: {X-Mock-Fault: none}}
  - {name: anthropic-a, kind: anthropic, base_url: "${ANTHROPIC_A}", api_key: sk-ant-compat-a}
  - {name: anthropic-b, kind: anthropic, base_url: "${ANTHROPIC_B}", api_key: sk-ant-compat-b, headers: {X-Mock-Fault: none}}
routes:
  - {name: openai, chain: [{provider: openai-a, model: gpt-a}, {provider: openai-b, model: gpt-b}]}
  - {name: anthropic, chain: [{provider: anthropic-a, model: claude-a}, {provider: anthropic-b, model: claude-b}]}
  - {name: openai-then-anthropic, chain: [{provider: openai-a, model: gpt-a}, {provider: anthropic-b, model: claude-b}]}
  - {name: anthropic-then-openai, chain: [{provider: anthropic-a, model: claude-a}, {provider: openai-b, model: gpt-b}]}
  - {name: solo-openai, chain: [{provider: openai-a, model: gpt-a}]}
  - {name: solo-anthropic, chain: [{provider: anthropic-a, model: claude-a}]}
defaults:
  retry: {max_attempts: 3, base: 1ms, cap: 2ms, jitter: none, max_wait: 2s, budget: {ratio: 1, min_per_second: 10000}}
  timeouts: {attempt: 10s, first_token: 5s, idle: 5s, total: 20s}
  breaker: {min_requests: 100000, consecutive_failures: 100000}
`

// env is one isolated setup: four mock providers, a gateway serving
// compatConfig on a loopback listener, and an engine with the same routes
// for the RoundTripper face.
type env struct {
	t         *testing.T
	upstreams map[string]*mock.Running
	// URL is the gateway's base URL, http://127.0.0.1:PORT.
	URL string
	// gatewayCalls counts generation requests that reached the gateway:
	// the attempts of the SDKs pointed at it.
	gatewayCalls atomic.Int64
	engine       *lifeline.Engine
	routes       map[string]*lifeline.Route
	// transportCalls counts requests the SDKs handed to lifeline's
	// Transport.
	transportCalls atomic.Int64
	logs           *syncbuffer.Buffer
	// deadlines records the X-Lifeline-Deadline header of every generation
	// request the gateway received ("" when absent).
	deadlinesMu sync.Mutex
	deadlines   []string
}

// newEnv starts an env that is stopped when the test ends.
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, upstreams: map[string]*mock.Running{}, routes: map[string]*lifeline.Route{}, logs: &syncbuffer.Buffer{}}
	vars := map[string]string{}
	for i, name := range upstreamNames {
		run, err := mock.Listen("127.0.0.1:0", mock.Config{Seed: uint64(i + 1), Name: name, Text: textOf(name), HangMax: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { run.Close() })
		e.upstreams[name] = run
		base := run.URL
		if strings.HasPrefix(name, "openai") {
			base += "/v1"
		}
		vars[strings.ToUpper(strings.ReplaceAll(name, "-", "_"))] = base
	}
	cfg, err := config.Parse("compat.yaml", []byte(compatConfig), ".", func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("gateway log:\n%s", e.logs.String())
		}
	})
	gw := startGateway(t, cfg, log, e.httpClient(nil))
	e.URL = serveLoopback(t, e.countingHandler(gw))

	// The library face: an engine with the same routes and policies.
	specs, err := setup.Routes(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.engine = lifeline.New(lifeline.WithHTTPClient(e.httpClient(nil)))
	for _, s := range specs {
		r, err := e.engine.NewRoute(s.Name, s.Chain, s.Options...)
		if err != nil {
			t.Fatal(err)
		}
		e.routes[s.Name] = r
	}
	return e
}

// httpClient returns a client over a fresh transport (rt wraps it when not
// nil) whose idle connections are closed when the test ends.
func (e *env) httpClient(wrap func(http.RoundTripper) http.RoundTripper) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	var rt http.RoundTripper = tr
	if wrap != nil {
		rt = wrap(tr)
	}
	c := &http.Client{Transport: rt}
	e.t.Cleanup(tr.CloseIdleConnections)
	return c
}

// countingHandler counts generation requests and serves the suite's own
// GET /_compat/stats (for the Node tests): {"calls": N, "upstreams": {name: N}}.
// startGateway builds the gateway of cfg, its upstream calls made by
// client, ready to serve until the test ends.
func startGateway(t *testing.T, cfg *config.Config, log *slog.Logger, client *http.Client) *gateway.Server {
	t.Helper()
	gcfg, err := setup.Gateway(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	gcfg.HTTPClient = client
	gw, err := gateway.New(gcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	gw.MarkReady()
	return gw
}

func (e *env) countingHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_compat/stats" {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(e.stats())
			return
		}
		if r.Method == http.MethodPost {
			e.gatewayCalls.Add(1)
			e.deadlinesMu.Lock()
			e.deadlines = append(e.deadlines, r.Header.Get("X-Lifeline-Deadline"))
			e.deadlinesMu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

// stats is what GET /_compat/stats serves.
type stats struct {
	Calls     int64             `json:"calls"`
	Upstreams map[string]uint64 `json:"upstreams"`
}

func (e *env) stats() stats {
	s := stats{Calls: e.gatewayCalls.Load(), Upstreams: map[string]uint64{}}
	for name, run := range e.upstreams {
		s.Upstreams[name] = run.Server.Stats().Requests
	}
	return s
}

// upstreamCalls returns the requests each mock provider received.
func (e *env) upstreamCalls() map[string]uint64 { return e.stats().Upstreams }

// lastEntry returns the ledger entry of the last response an upstream sent.
func (e *env) lastEntry(upstream string) mock.Entry {
	l := e.upstreams[upstream].Server.Ledger()
	if len(l) == 0 {
		e.t.Fatalf("%s sent no response", upstream)
	}
	return l[len(l)-1]
}

// wantUpstreams fails the test unless each named upstream received exactly
// the given number of calls and every other one none.
func (e *env) wantUpstreams(want map[string]uint64) {
	e.t.Helper()
	got := e.upstreamCalls()
	for _, name := range upstreamNames {
		if got[name] != want[name] {
			e.t.Errorf("upstream calls: got %v, want %v", got, want)
			return
		}
	}
}

// serveLoopback serves h on a loopback port until the test ends (then
// shuts it down, waiting up to 5s for open requests) and returns its base
// URL.
func serveLoopback(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
		<-served
	})
	return "http://" + ln.Addr().String()
}

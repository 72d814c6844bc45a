package setup_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/internal/setup"
	"github.com/lifelinehq/lifeline/wire"
)

// TestProvidersFromYAML checks kind, base_url (default by kind), api_key
// and headers on every target.
func TestProvidersFromYAML(t *testing.T) {
	y := `
providers:
  - {name: oa, kind: openai, api_key: "${OPENAI_API_KEY}", headers: {OpenAI-Organization: org-123, x-extra: "v"}}
  - {name: an, kind: anthropic}
  - {name: local, kind: openai, base_url: "http://127.0.0.1:11434/v1"}
routes:
  - name: r
    chain:
      - {provider: oa, model: gpt-4.1}
      - {provider: an, model: claude-sonnet-4-5}
      - {provider: local, model: llama3.1}
  - name: s
    chain: [{provider: oa, model: gpt-4.1-mini}]
`
	routes := engineRoutes(t, loadYAML(t, y, nil))
	tg := routes["r"].Targets()
	if len(tg) != 3 {
		t.Fatalf("targets = %d, want 3", len(tg))
	}
	type want struct {
		name, base, key string
		kind            wire.Dialect
		hdr             map[string]string
	}
	wants := []want{
		{"oa/gpt-4.1", "https://api.openai.com/v1", "sk-openai-test", wire.OpenAI,
			map[string]string{"Openai-Organization": "org-123", "X-Extra": "v"}},
		{"an/claude-sonnet-4-5", "https://api.anthropic.com", "", wire.Anthropic, nil},
		{"local/llama3.1", "http://127.0.0.1:11434/v1", "", wire.OpenAI, nil},
	}
	for i, w := range wants {
		p := tg[i].Provider
		if tg[i].Name() != w.name || p.BaseURL != w.base || p.APIKey.Reveal() != w.key || p.Kind != w.kind {
			t.Errorf("target %d: %s %s kind %v key set %v, want %+v", i, tg[i].Name(), p.BaseURL, p.Kind, p.APIKey.IsSet(), w.name)
		}
		got := map[string]string{}
		for k := range p.Header {
			got[k] = p.Header.Get(k)
		}
		if len(got) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, w.hdr) {
			t.Errorf("target %d headers = %v, want %v", i, got, w.hdr)
		}
	}
	if s := routes["s"].Targets()[0].Provider; s.APIKey.Reveal() != "sk-openai-test" || s.Header.Get("OpenAI-Organization") != "org-123" {
		t.Errorf("route s provider lost its settings")
	}
}

// TestGatewayFromYAML checks keys, limits, idempotency and the state
// backend.
func TestGatewayFromYAML(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tt := range []struct {
		name, extra string
		body        int64
		inFlight    int64
		ttl         time.Duration
	}{
		{name: "defaults", body: 32 << 20, ttl: 24 * time.Hour},
		{name: "set", extra: "limits: {max_body: 8MiB, max_in_flight: 300}\nidempotency: {ttl: 90m}\nstate: {backend: memory}\n", body: 8 << 20, inFlight: 300, ttl: 90 * time.Minute},
		{name: "decimal", extra: "limits: {max_body: 500KB}\n", body: 500_000, ttl: 24 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			y := oneProvider + `
routes:
  - {name: a, chain: [{provider: p, model: m}]}
  - {name: b, chain: [{provider: p, model: m}]}
keys:
  - {key: "${CLIENT_KEY}", routes: [a]}
  - {key: other, routes: ["*"]}
  - {key: third}
` + tt.extra
			gc, err := setup.Gateway(context.Background(), loadYAML(t, y, nil), log)
			if err != nil {
				t.Fatal(err)
			}
			defer gc.Store.Close()
			if gc.MaxBody != tt.body || gc.MaxInFlight != tt.inFlight || gc.IdempotencyTTL != tt.ttl {
				t.Errorf("max body %d in flight %d ttl %v, want %d %d %v", gc.MaxBody, gc.MaxInFlight, gc.IdempotencyTTL, tt.body, tt.inFlight, tt.ttl)
			}
			if k, _ := gc.Store.(interface{ Kind() string }); k != nil && k.Kind() != "memory" {
				t.Errorf("store kind %s, want memory", k.Kind())
			}
			if len(gc.Keys) != 3 {
				t.Fatalf("keys = %d", len(gc.Keys))
			}
			if gc.Keys[0].Key.Reveal() != "ck-test" || !reflect.DeepEqual(gc.Keys[0].Routes, []string{"a"}) {
				t.Errorf("key 0 = routes %v", gc.Keys[0].Routes)
			}
			if gc.Keys[1].Key.Reveal() != "other" || !reflect.DeepEqual(gc.Keys[1].Routes, []string{"*"}) {
				t.Errorf("key 1 = routes %v", gc.Keys[1].Routes)
			}
			if gc.Keys[2].Key.Reveal() != "third" || !reflect.DeepEqual(gc.Keys[2].Routes, []string{"*"}) {
				t.Errorf("key 2 = routes %v", gc.Keys[2].Routes)
			}
			if len(gc.Routes) != 2 {
				t.Errorf("routes = %d", len(gc.Routes))
			}
		})
	}
}

// upstream is an OpenAI-compatible server that answers every chat
// completion and records the headers of the last request.
func upstream(t *testing.T) (*httptest.Server, func() http.Header) {
	t.Helper()
	var mu sync.Mutex
	var last http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		last = r.Header.Clone()
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"c1","object":"chat.completion","created":1,"model":"m",`+
			`"choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],`+
			`"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() http.Header {
		mu.Lock()
		defer mu.Unlock()
		return last
	}
}

// TestKeysThroughGateway sends requests with each configured client key
// to a gateway built from YAML: a key may call exactly the routes its
// routes list allows, "*" and an absent or empty list meaning all. The
// provider's api_key and headers reach the upstream.
func TestKeysThroughGateway(t *testing.T) {
	up, lastHeader := upstream(t)
	y := `
providers:
  - {name: p, kind: openai, base_url: "` + up.URL + `/v1", api_key: "${OPENAI_API_KEY}", headers: {OpenAI-Organization: org-123}}
routes:
  - {name: a, chain: [{provider: p, model: m}]}
  - {name: b, chain: [{provider: p, model: m}]}
keys:
  - {key: "${CLIENT_KEY}", routes: [a]}
  - {key: star, routes: ["*"]}
  - {key: absent}
  - {key: empty, routes: []}
`
	ts := serveYAML(t, y, nil)

	for _, tt := range []struct {
		key, route string
		want       int
	}{
		{"ck-test", "a", http.StatusOK},
		{"ck-test", "b", http.StatusForbidden},
		{"star", "a", http.StatusOK},
		{"star", "b", http.StatusOK},
		{"absent", "a", http.StatusOK},
		{"absent", "b", http.StatusOK},
		{"empty", "b", http.StatusOK},
		{"wrong", "a", http.StatusUnauthorized},
	} {
		body := `{"model":"` + tt.route + `","messages":[{"role":"user","content":"hi"}]}`
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/v1/chat/completions", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tt.key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("key %s, route %s: status %d, want %d: %s", tt.key, tt.route, resp.StatusCode, tt.want, b)
		}
	}
	h := lastHeader()
	if h.Get("Authorization") != "Bearer sk-openai-test" || h.Get("OpenAI-Organization") != "org-123" {
		t.Errorf("upstream saw Authorization set %v, OpenAI-Organization %q", h.Get("Authorization") != "", h.Get("OpenAI-Organization"))
	}
}

// TestRedisBackendFromYAML checks that state.redis_url reaches the Redis
// store as written: the deployment kind follows the URL's form.
func TestRedisBackendFromYAML(t *testing.T) {
	for _, tt := range []struct{ url, kind string }{
		{"redis://127.0.0.1:1/0?dial_timeout=1s", "standalone"},
		{"redis+cluster://127.0.0.1:1,127.0.0.1:2", "cluster"},
		{"127.0.0.1:1,127.0.0.1:2", "cluster"},
	} {
		t.Run(tt.url, func(t *testing.T) {
			y := oneProvider + "routes:\n  - {name: a, chain: [{provider: p, model: m}]}\nstate: {backend: redis, redis_url: \"" + tt.url + "\"}\n"
			gc, err := setup.Gateway(t.Context(), loadYAML(t, y, nil), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer gc.Store.Close()
			k, ok := gc.Store.(interface{ Kind() string })
			if !ok {
				t.Fatalf("store is %T, want the Redis store", gc.Store)
			}
			if k.Kind() != tt.kind {
				t.Errorf("kind %q, want %q", k.Kind(), tt.kind)
			}
		})
	}
}

// serveYAML serves the gateway that lifeline.yaml body (and files beside
// it) configures, through the real loader and setup, until the test ends.
func serveYAML(t *testing.T, body string, files map[string]string) *httptest.Server {
	t.Helper()
	gc, err := setup.Gateway(t.Context(), loadYAML(t, body, files), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(gc)
	if err != nil {
		gc.Store.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	gw.MarkReady()
	ts := httptest.NewServer(gw)
	t.Cleanup(ts.Close)
	return ts
}

package compat_test

import (
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/lifelinehq/lifeline/internal/config"
	"github.com/lifelinehq/lifeline/internal/demo"
)

// TestNodeAgentExampleOnDemo runs examples/node-agent as its header says
// to: against `lifeline serve` with no configuration (the embedded demo,
// whose providers misbehave on purpose) and with no environment but the
// gateway's URL, so the agent calls its default route. The loop
// completes, and the SDK, at its default max retries, sends one request
// per step.
func TestNodeAgentExampleOnDemo(t *testing.T) {
	node := requireNode(t, "../examples/node-agent", "examples/node-agent")
	// agent.mjs's default URL is http://127.0.0.1:8080, where `lifeline
	// serve` listens by default.
	if config.DefaultListen != "127.0.0.1:8080" {
		t.Fatalf("lifeline serve listens on %s by default; examples/node-agent/agent.mjs expects 127.0.0.1:8080", config.DefaultListen)
	}
	for _, seed := range []uint64{1, 2, 3} {
		t.Run("seed="+strconv.FormatUint(seed, 10), func(t *testing.T) {
			p, err := demo.Start(seed)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close() })
			cfg, err := p.Config(config.DefaultListen)
			if err != nil {
				t.Fatal(err)
			}
			url, calls := serveConfig(t, cfg)
			out := runNode(t, node, "../examples/node-agent", []string{"LIFELINE_URL=" + url}, "agent.mjs")
			steps := regexp.MustCompile(`(?m)^step \d+: served by demo-\S+ after [1-9]\d* attempt`).FindAllString(out, -1)
			m := regexp.MustCompile(`final answer after (\d+) step`).FindStringSubmatch(out)
			if m == nil || m[1] != strconv.Itoa(len(steps)) || len(steps) == 0 {
				t.Fatalf("want a final answer on the demo's routes, one step line per step:\n%s", out)
			}
			if got := calls.Load(); got != int64(len(steps)) {
				t.Fatalf("the SDK sent %d requests for %d steps:\n%s", got, len(steps), out)
			}
		})
	}
}

// serveConfig serves a gateway built from cfg on a loopback listener until
// the test ends, and returns its base URL and a count of the generation
// requests it received.
func serveConfig(t *testing.T, cfg *config.Config) (string, *atomic.Int64) {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	gw := startGateway(t, cfg, slog.New(slog.DiscardHandler), &http.Client{Transport: tr})
	calls := &atomic.Int64{}
	url := serveLoopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			calls.Add(1)
		}
		gw.ServeHTTP(w, r)
	}))
	return url, calls
}

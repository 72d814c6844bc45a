package setup_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/internal/config"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/internal/setup"
	"github.com/lifelinehq/lifeline/internal/syncbuffer"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
	"github.com/lifelinehq/lifeline/store/redis"
)

// changes records state-change calls as "degraded" / "ok".
type changes struct {
	mu  sync.Mutex
	seq []string
}

func (c *changes) record(degraded bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case degraded && err != nil:
		c.seq = append(c.seq, "degraded")
	case !degraded && err == nil:
		c.seq = append(c.seq, "ok")
	default:
		c.seq = append(c.seq, "bad call")
	}
}

func (c *changes) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.seq, ",")
}

func redisConfig(url string) *config.Config {
	return &config.Config{State: config.State{Backend: "redis", RedisURL: url}}
}

// waitFor polls cond every 10 ms until it holds, failing the test after
// bound.
func waitFor(t *testing.T, bound time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, bound)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMemoryStoreByDefault(t *testing.T) {
	st, err := setup.Store(t.Context(), &config.Config{}, slog.New(slog.DiscardHandler), setup.OnStoreStateChange(func(bool, error) {
		t.Error("the memory store has no state changes")
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, ok := st.(*memory.Store); !ok {
		t.Fatalf("store is %T, want *memory.Store", st)
	}
}

// TestRedisStoreReportsTransitions follows one replica through a start
// without Redis, a recovery and a second outage: the functions given to
// Store and registered later (the gateway's metrics among them) see every
// transition in order, the log says what happened in plain words, and
// /readyz and the metrics agree.
func TestRedisStoreReportsTransitions(t *testing.T) {
	srv := redistest.Start(t)
	srv.Stop()
	logs := &syncbuffer.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	early, late := &changes{}, &changes{}
	st, err := setup.Store(t.Context(), redisConfig(srv.URL()), log,
		setup.OnStoreStateChange(early.record),
		setup.WithRedisOptions(redis.WithRecoverInterval(20*time.Millisecond)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	health := st.(store.Health)
	if err := health.Health(t.Context()); err == nil {
		t.Fatal("Health is nil while Redis is down")
	}
	if got := early.String(); got != "degraded" {
		t.Fatalf("changes seen by the function given to Store: %q, want degraded", got)
	}
	// Registered after the outage began, it is told about it at once.
	st.(gateway.StateNotifier).NotifyStateChange(late.record)
	if got := late.String(); got != "degraded" {
		t.Fatalf("changes replayed to a late function: %q, want degraded", got)
	}

	srv.Restart()
	waitFor(t, 5*time.Second, "recovery after restart", func() bool { return health.Health(t.Context()) == nil })
	for name, c := range map[string]*changes{"early": early, "late": late} {
		if got := c.String(); got != "degraded,ok" {
			t.Fatalf("%s function saw %q, want degraded,ok", name, got)
		}
	}
	for _, line := range []string{
		`level=WARN msg="state store degraded: Redis is unreachable; this replica serves on its local state until it is back"`,
		`level=INFO msg="state store recovered: Redis answers again;`,
	} {
		if n := strings.Count(logs.String(), line); n != 1 {
			t.Fatalf("log has %d lines %q, want 1:\n%s", n, line, logs.String())
		}
	}

	// A gateway built on the store now counts one transition each way.
	gw, err := gateway.New(gateway.Config{Routes: testRoutes(t), Store: st})
	if err != nil {
		t.Fatal(err)
	}
	gw.MarkReady()
	ts := httptest.NewServer(gw)
	defer ts.Close()
	wantMetrics(t, ts.URL, 0, 1, 1)
	wantReady(t, ts.URL, "ok")

	srv.Stop()
	// Health notices the outage even without traffic.
	wantReady(t, ts.URL, "degraded")
	wantMetrics(t, ts.URL, 1, 2, 1)
	srv.Restart()
	waitFor(t, 5*time.Second, "second recovery", func() bool { return health.Health(t.Context()) == nil })
	wantMetrics(t, ts.URL, 0, 2, 2)
	wantReady(t, ts.URL, "ok")
	if got := late.String(); got != "degraded,ok,degraded,ok" {
		t.Fatalf("late function saw %q", got)
	}
}

// testRoutes is one route to an upstream that is never called.
func testRoutes(t *testing.T) []gateway.RouteSpec {
	t.Helper()
	c, err := config.Parse("lifeline.yaml", []byte(`
providers:
  - {name: p, kind: openai, base_url: "http://127.0.0.1:1/v1", api_key: k}
routes:
  - {name: chat, chain: [{provider: p, model: m}]}
`), "", func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	routes, err := setup.Routes(c)
	if err != nil {
		t.Fatal(err)
	}
	return routes
}

func get(t *testing.T, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantReady(t *testing.T, base, status string) {
	t.Helper()
	if body := get(t, base+"/readyz"); !strings.Contains(body, `"status":"`+status+`"`) {
		t.Fatalf("/readyz = %s, want status %s", body, status)
	}
}

// wantMetrics checks the state store's gauge and transition counters.
func wantMetrics(t *testing.T, base string, degraded, toDegraded, toOK int) {
	t.Helper()
	body := get(t, base+"/metrics")
	for _, line := range []string{
		"lifeline_state_store_degraded " + itoa(degraded),
		`lifeline_state_store_transitions_total{to="degraded"} ` + itoa(toDegraded),
		`lifeline_state_store_transitions_total{to="ok"} ` + itoa(toOK),
	} {
		if !strings.Contains(body, "\n"+line+"\n") {
			t.Fatalf("/metrics lacks %q:\n%s", line, grepLines(body, "lifeline_state_store"))
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func grepLines(s, sub string) string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// state.timeout becomes the Redis store's bound on one call, which the
// engine reads to bound calls near a request's deadline.
func TestStateTimeoutBoundsRedisCalls(t *testing.T) {
	srv := redistest.Start(t)
	for _, tc := range []struct {
		timeout config.Duration
		want    time.Duration
	}{{0, redis.DefaultTimeout}, {config.Duration(2 * time.Second), 2 * time.Second}} {
		c := redisConfig(srv.URL())
		c.State.Timeout = tc.timeout
		c.ApplyDefaults()
		s, err := setup.Store(t.Context(), c, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		b, ok := s.(store.Blocking)
		if !ok {
			t.Fatalf("the Redis store %T does not say how long its calls may block", s)
		}
		if got := b.MaxBlock(); got != tc.want {
			t.Errorf("state.timeout %v: calls bounded by %v, want %v", tc.timeout, got, tc.want)
		}
		s.Close()
	}
}

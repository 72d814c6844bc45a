package fleet_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifelinehq/lifeline/internal/config"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/internal/setup"
	"github.com/lifelinehq/lifeline/internal/syncbuffer"
	"github.com/lifelinehq/lifeline/mock"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/redis"
)

// replica is one gateway of a fleet, served on its own listener.
type replica struct {
	name    string
	srv     *gateway.Server
	ts      *httptest.Server
	logs    *syncbuffer.Buffer
	changes *changeLog
}

// fleet is a set of replicas built from one configuration, sharing one
// Redis server.
type fleet struct {
	t        testing.TB
	replicas []*replica
	client   *http.Client // the clients' side, shared by every test request
}

// fleetOptions adjust how startFleet builds replicas.
type fleetOptions struct {
	// wrap, when set, replaces replica i's store before its gateway is built.
	wrap func(i int, s store.Store) store.Store
	// redis are extra options of every replica's Redis store.
	redis []redis.Option
	// strict fails the test when a replica's store falls back to local
	// state: tests that are not about outages set it.
	strict bool
}

// providerKeys are the API keys of the test configurations' providers:
// they must never appear in a log.
var providerKeys = []string{"sk-bad", "sk-good", "sk-slow"}

// startFleet builds n replicas from the YAML configuration yaml, in which
// ${REDIS_URL} is rs's URL and the other ${VAR}s come from env. Each
// replica has its own Redis store (opened by package setup, as serve does),
// its own metrics registry, logger and upstream connection pool.
func startFleet(t testing.TB, rs *redistest.Server, n int, yaml string, env map[string]string, o fleetOptions) *fleet {
	t.Helper()
	f := &fleet{t: t, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}}
	t.Cleanup(f.client.CloseIdleConnections)
	lookup := func(k string) (string, bool) {
		if k == "REDIS_URL" {
			return rs.URL(), true
		}
		v, ok := env[k]
		return v, ok
	}
	for i := range n {
		cfg, err := config.Parse("lifeline.yaml", []byte(yaml), t.TempDir(), lookup)
		if err != nil {
			t.Fatal(err)
		}
		r := &replica{name: string(rune('A' + i)), logs: &syncbuffer.Buffer{}, changes: &changeLog{}}
		log := slog.New(slog.NewJSONHandler(r.logs, nil))
		// A generous call timeout: a busy machine (the race detector on two
		// cores) must not fake an outage. A killed server refuses at once.
		opts := append([]redis.Option{redis.WithTimeout(5 * time.Second)}, o.redis...)
		gc, err := setup.Gateway(t.Context(), cfg, log, setup.OnStoreStateChange(r.changes.record), setup.WithRedisOptions(opts...))
		if err != nil {
			t.Fatal(err)
		}
		if o.wrap != nil {
			gc.Store = o.wrap(i, gc.Store)
		}
		upstream := &http.Transport{MaxIdleConnsPerHost: 64}
		gc.HTTPClient = &http.Client{Transport: upstream}
		gc.Registry = prometheus.NewRegistry()
		r.srv, err = gateway.New(gc)
		if err != nil {
			gc.Store.Close()
			t.Fatal(err)
		}
		r.srv.MarkReady()
		r.ts = httptest.NewServer(r.srv)
		t.Cleanup(func() {
			r.ts.Close()
			upstream.CloseIdleConnections()
			r.srv.Close()
		})
		t.Cleanup(func() {
			for _, key := range providerKeys {
				if strings.Contains(r.logs.String(), key) {
					t.Errorf("replica %s logged the provider key %s", r.name, key)
				}
			}
		})
		if o.strict {
			t.Cleanup(func() {
				if h := r.changes.String(); h != "" {
					t.Errorf("replica %s's store left Redis during the test: %s", r.name, h)
				}
			})
		}
		f.replicas = append(f.replicas, r)
	}
	return f
}

// upstream is a mock provider whose answers a test turns bad and good:
// while failing, every request gets the mock's overloaded fault (a 503
// "overloaded" in the OpenAI dialect), or the fault failWith chose, forced
// with the X-Mock-Fault header. It counts the requests it receives.
type upstream struct {
	ts      *httptest.Server
	failing atomic.Bool
	fault   atomic.Pointer[forcedFault] // nil: overloaded
	n       atomic.Uint64
}

// forcedFault is a mock fault and its X-Mock-Fault-Arg.
type forcedFault struct {
	fault mock.Fault
	arg   string
}

// startUpstream starts a healthy upstream named name (its response ids
// carry the name).
func startUpstream(t testing.TB, name string) *upstream {
	t.Helper()
	m, err := mock.New(mock.Config{Seed: 1, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	u := &upstream{}
	u.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.n.Add(1)
		if u.failing.Load() {
			f := forcedFault{fault: mock.Overloaded}
			if p := u.fault.Load(); p != nil {
				f = *p
			}
			r.Header.Set("X-Mock-Fault", string(f.fault))
			if f.arg != "" {
				r.Header.Set("X-Mock-Fault-Arg", f.arg)
			}
		}
		m.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		u.ts.Close()
		m.Close()
	})
	return u
}

// fail makes every later answer an overloaded error (true) or a clean
// answer (false).
func (u *upstream) fail(on bool) { u.failing.Store(on) }

// failWith makes every later answer the mock's fault f with argument arg.
func (u *upstream) failWith(f mock.Fault, arg string) {
	u.fault.Store(&forcedFault{fault: f, arg: arg})
	u.failing.Store(true)
}

// calls returns the requests the upstream has received.
func (u *upstream) calls() uint64 { return u.n.Load() }

// URL is the upstream's base URL.
func (u *upstream) URL() string { return u.ts.URL }

// manualClock is a replica clock that moves only when told: it ages the
// Redis stores' cached target state, so a test crosses the staleness bound
// exactly.
type manualClock struct{ ns atomic.Int64 }

func newManualClock() *manualClock {
	c := &manualClock{}
	c.ns.Store(time.Now().UnixNano())
	return c
}

func (c *manualClock) now() time.Time { return time.Unix(0, c.ns.Load()) }

func (c *manualClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// changeLog records a store's transitions with their times.
type changeLog struct {
	mu  sync.Mutex
	seq []change
}

type change struct {
	degraded bool
	at       time.Time
}

func (c *changeLog) record(degraded bool, _ error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq = append(c.seq, change{degraded: degraded, at: time.Now()})
}

// String lists the transitions: "degraded,ok,…".
func (c *changeLog) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, ch := range c.seq {
		if ch.degraded {
			out = append(out, "degraded")
		} else {
			out = append(out, "ok")
		}
	}
	return strings.Join(out, ",")
}

// since returns how long after t the first transition to degraded (or to
// ok) came, or 0 when the store was already in that state at t.
func (c *changeLog) since(degraded bool, t time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	was := false
	for _, ch := range c.seq {
		if ch.at.Before(t) {
			was = ch.degraded
			continue
		}
		if was == degraded {
			return 0
		}
		if ch.degraded == degraded {
			return ch.at.Sub(t)
		}
	}
	return 0
}

// degraded reports whether the latest transition was to degraded.
func (c *changeLog) degraded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seq) > 0 && c.seq[len(c.seq)-1].degraded
}

// count returns the transitions to degraded and to ok.
func (c *changeLog) count() (down, up int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range c.seq {
		if ch.degraded {
			down++
		} else {
			up++
		}
	}
	return down, up
}

// later returns the later of two times.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// waitFor polls cond every 5 ms until it holds and returns how long that
// took, failing the test after bound.
func waitFor(t testing.TB, bound time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > bound {
			t.Fatalf("%s: not within %v", what, bound)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

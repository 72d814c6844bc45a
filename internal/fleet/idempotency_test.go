package fleet_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/mock"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/storetest"
)

// idempotencyConfig is one route to one upstream.
const idempotencyConfig = `
state: {backend: redis, redis_url: "${REDIS_URL}"}
providers:
  - {name: slow, kind: openai, base_url: "${SLOW_URL}/v1", api_key: sk-slow}
routes:
  - {name: chat, chain: [{provider: slow, model: m}]}
`

// gate is an upstream that holds every request until released: the mock
// answers once the test says so.
type gate struct {
	ts      *httptest.Server
	arrived chan struct{} // receives one value per request
	release chan struct{} // closed by open to let the requests through
	once    sync.Once
	n       atomic.Uint64
}

// open lets the held requests, and every later one, through.
func (g *gate) open() { g.once.Do(func() { close(g.release) }) }

func startGate(t *testing.T) *gate {
	m, err := mock.New(mock.Config{Seed: 1, Name: "slow"})
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{arrived: make(chan struct{}, 16), release: make(chan struct{})}
	g.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.n.Add(1)
		g.arrived <- struct{}{}
		select {
		case <-g.release:
		case <-r.Context().Done():
			return
		}
		m.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		g.open() // a failed test may leave requests held
		g.ts.Close()
		m.Close()
	})
	return g
}

// within receives from ch, failing the test after bound.
func within(t *testing.T, ch <-chan struct{}, bound time.Duration, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(bound):
		t.Fatalf("%s: not within %v", what, bound)
	}
}

// TestDuplicateOnAnotherReplicaGetsFirstResult: a request with an
// Idempotency-Key runs on replica A; the same request sent to B meanwhile
// waits for it and gets A's answer byte for byte (a stream's whole event
// sequence included), marked Idempotent-Replayed, and the upstream sees
// one call in all. C, asked afterwards, replays it too.
func TestDuplicateOnAnotherReplicaGetsFirstResult(t *testing.T) {
	for _, stream := range []bool{false, true} {
		name := "json"
		if stream {
			name = "stream"
		}
		t.Run(name, func(t *testing.T) {
			rs := redistest.Start(t)
			g := startGate(t)
			onB := storetest.NewAwaitSignal(nil)
			f := startFleet(t, rs, 3, idempotencyConfig, map[string]string{"SLOW_URL": g.ts.URL}, fleetOptions{
				strict: true,
				wrap: func(i int, s store.Store) store.Store {
					if i == 1 {
						onB.Store = s
						return onB
					}
					return s
				},
			})
			a, b, c := f.replicas[0], f.replicas[1], f.replicas[2]
			body := chatBody("chat", stream)
			key := "fleet-" + name

			type result struct {
				a   answer
				err error
			}
			send := func(r *replica) <-chan result {
				ch := make(chan result, 1)
				go func() {
					ans, err := f.post(r, body, "Idempotency-Key", key)
					ch <- result{ans, err}
				}()
				return ch
			}
			fromA := send(a)
			within(t, g.arrived, 10*time.Second, "A's request reaching the upstream")
			fromB := send(b)
			within(t, onB.Awaiting(), 10*time.Second, "B waiting for A's request")
			g.open()
			ra, rb := <-fromA, <-fromB
			for who, r := range map[string]result{"A": ra, "B": rb} {
				if r.err != nil {
					t.Fatalf("%s: %v", who, r.err)
				}
				if r.a.status != http.StatusOK {
					t.Fatalf("%s: status %d: %.300s", who, r.a.status, r.a.body)
				}
			}
			if got := ra.a.header.Get("Idempotent-Replayed"); got != "" {
				t.Fatalf("A's own answer is marked Idempotent-Replayed: %q", got)
			}
			if got := rb.a.header.Get("Idempotent-Replayed"); got != "true" {
				t.Fatalf("B's answer: Idempotent-Replayed = %q, want true", got)
			}
			if !bytes.Equal(ra.a.body, rb.a.body) {
				t.Fatalf("B's answer differs from A's:\nA: %s\nB: %s", ra.a.body, rb.a.body)
			}
			if stream {
				for who, r := range map[string]result{"A": ra, "B": rb} {
					if ct := r.a.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
						t.Fatalf("%s: Content-Type %q, want an event stream", who, ct)
					}
				}
				if n := bytes.Count(ra.a.body, []byte("data: ")); n < 3 || !bytes.HasSuffix(ra.a.body, []byte("data: [DONE]\n\n")) {
					t.Fatalf("A's stream has %d events and does not end with [DONE]: %s", n, ra.a.body)
				}
			}

			// Later, on a third replica: a replay from the stored record.
			rc, err := f.post(c, body, "Idempotency-Key", key)
			if err != nil {
				t.Fatal(err)
			}
			if rc.status != http.StatusOK || rc.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(rc.body, ra.a.body) {
				t.Fatalf("C's answer: status %d, Idempotent-Replayed %q, same body as A's: %v",
					rc.status, rc.header.Get("Idempotent-Replayed"), bytes.Equal(rc.body, ra.a.body))
			}
			if n := g.n.Load(); n != 1 {
				t.Fatalf("the upstream got %d calls for one Idempotency-Key on three replicas, want 1", n)
			}
		})
	}
}

package fleet_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/storetest"
)

// failingConfig is one route to one upstream that fails, tried once per
// request, with a breaker that stays closed: every request that runs
// reaches the upstream.
const failingConfig = `
state: {backend: redis, redis_url: "${REDIS_URL}"}
providers:
  - {name: down, kind: openai, base_url: "${DOWN_URL}/v1", api_key: sk-bad}
routes:
  - {name: chat, chain: [{provider: down, model: m}]}
defaults:
  retry: {max_attempts: 1}
  breaker: {consecutive_failures: 1000, min_requests: 1000}
`

// TestDuplicatesOfAFailedRequestGetItsFailure: many duplicates of a
// request with an Idempotency-Key wait on three replicas while the first
// runs; the first fails, so nothing is stored, but every duplicate that was
// waiting gets the first's failure (here the 503 upstream_unavailable),
// replayed, whichever replica it reached: one upstream run in all. A
// request sent after the failure runs.
func TestDuplicatesOfAFailedRequestGetItsFailure(t *testing.T) {
	const n = 15
	rs := redistest.Start(t)
	var (
		calls, running, overlap atomic.Int64
		arrived                 = make(chan struct{}, n)
		release                 = make(chan struct{})
	)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if running.Add(1) > 1 {
			overlap.Add(1)
		}
		defer running.Add(-1)
		if calls.Add(1) == 1 {
			arrived <- struct{}{}
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error":{"message":"down for maintenance","type":"server_error","code":null}}`))
	}))
	t.Cleanup(up.Close)
	signals := make([]*storetest.AwaitSignal, 3)
	f := startFleet(t, rs, 3, failingConfig, map[string]string{"DOWN_URL": up.URL}, fleetOptions{
		strict: true,
		wrap: func(i int, s store.Store) store.Store {
			signals[i] = storetest.NewAwaitSignal(s)
			return signals[i]
		},
	})
	// waits counts the duplicates waiting for the first request, on every
	// replica.
	waits := func() int64 {
		var n int64
		for _, s := range signals {
			n += s.Waits()
		}
		return n
	}
	body := chatBody("chat", false)
	const key = "fleet-failed-first"

	answers := make([]answer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	send := func(i int) {
		wg.Go(func() { answers[i], errs[i] = f.post(f.replicas[i%3], body, "Idempotency-Key", key) })
	}
	send(0)
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("the first request did not reach the upstream")
	}
	for i := 1; i < n; i++ {
		send(i)
	}
	for deadline := time.Now().Add(10 * time.Second); waits() < n-1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			close(release)
			t.Fatalf("%d of %d duplicates wait for the first request", waits(), n-1)
		}
	}
	close(release)
	wg.Wait()

	for i, a := range answers {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		var e struct {
			Error struct{ Type string } `json:"error"`
		}
		_ = json.Unmarshal(a.body, &e)
		if a.status != http.StatusServiceUnavailable || e.Error.Type != "upstream_unavailable" || string(a.body) != string(answers[0].body) {
			t.Errorf("request %d (replica %s): status %d, error type %q, want the first's 503 upstream_unavailable: %.300s",
				i, f.replicas[i%3].name, a.status, e.Error.Type, a.body)
		}
		if got, want := a.header.Get("Idempotent-Replayed"), map[bool]string{true: "true"}[i > 0]; got != want {
			t.Errorf("request %d (replica %s): Idempotent-Replayed %q, want %q", i, f.replicas[i%3].name, got, want)
		}
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("the upstream got %d calls for a failed request and the duplicates that waited for it, want 1", got)
	}
	// A request sent after the failure runs, on any replica.
	for i, r := range f.replicas {
		a, err := f.post(r, body, "Idempotency-Key", key)
		if err != nil {
			t.Fatal(err)
		}
		if a.status != http.StatusServiceUnavailable || a.header.Get("Idempotent-Replayed") != "" {
			t.Errorf("a retry after the failure on replica %s: status %d, Idempotent-Replayed %q, want a run of its own",
				r.name, a.status, a.header.Get("Idempotent-Replayed"))
		}
		if got := calls.Load(); got != int64(2+i) {
			t.Errorf("after %d retries the upstream got %d calls, want %d", i+1, got, 2+i)
		}
	}
	if got := overlap.Load(); got != 0 {
		t.Errorf("%d upstream calls overlapped another with the same Idempotency-Key", got)
	}
}

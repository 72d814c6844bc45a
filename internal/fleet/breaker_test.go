package fleet_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store/redis"
)

// breakerConfig is a route whose first target, bad/m, fails and whose
// second, good/m, answers. The breaker opens after three failures in a row
// and stays open for cooldown.
func breakerConfig(cooldown time.Duration) string {
	return fmt.Sprintf(badThenGood+`defaults:
  retry: {max_attempts: 1, base: 1ms, cap: 2ms, jitter: none}
  breaker: {window: 30s, min_requests: 1000, consecutive_failures: 3,
            cooldown: %s, max_cooldown: 5m, half_open_probes: 1}
`, cooldown)
}

// badThenGood opens a configuration: the shared Redis store and route chat
// over bad/m, then good/m. Each test adds its defaults.
const badThenGood = `
state: {backend: redis, redis_url: "${REDIS_URL}"}
providers:
  - {name: bad, kind: openai, base_url: "${BAD_URL}/v1", api_key: sk-bad}
  - {name: good, kind: openai, base_url: "${GOOD_URL}/v1", api_key: sk-good}
routes:
  - name: chat
    chain: [{provider: bad, model: m}, {provider: good, model: m}]
`

const (
	badTarget  = "bad/m"
	goodTarget = "good/m"
	tripAfter  = 3 // consecutive_failures of breakerConfig
)

// breakerFleet starts Redis, a failing and a healthy upstream, and three
// replicas of breakerConfig with options o.
func breakerFleet(t *testing.T, cooldown time.Duration, o fleetOptions) (*fleet, *upstream) {
	rs := redistest.Start(t)
	bad := startUpstream(t, "bad")
	bad.fail(true)
	good := startUpstream(t, "good")
	o.strict = true
	f := startFleet(t, rs, 3, breakerConfig(cooldown),
		map[string]string{"BAD_URL": bad.URL(), "GOOD_URL": good.URL()}, o)
	return f, bad
}

// trip opens bad/m's breaker with failures seen by replica r alone: each
// request fails over to good/m.
func trip(f *fleet, r *replica, bad *upstream) {
	f.t.Helper()
	before := bad.calls()
	for range tripAfter {
		if a := f.chat(r, "chat", goodTarget); a.attempts() != 2 {
			f.t.Fatalf("a request while closed made %d attempts, want 2 (bad/m, then good/m)", a.attempts())
		}
	}
	if n := bad.calls() - before; n != tripAfter {
		f.t.Fatalf("the failing upstream got %d calls, want %d", n, tripAfter)
	}
	if st := f.state(r, badTarget); st.State != "open" {
		f.t.Fatalf("replica %s: bad/m is %s after %d failures, want open", r.name, st.State, tripAfter)
	}
}

// TestBreakerOpenedByOneReplicaHoldsForAll: failures seen by replica A
// open the breaker for B and C, which stop calling the failing target
// once their cached view of it is older than the staleness bound.
func TestBreakerOpenedByOneReplicaHoldsForAll(t *testing.T) {
	clock := newManualClock()
	f, bad := breakerFleet(t, time.Minute, fleetOptions{redis: []redis.Option{redis.WithNow(clock.now)}})
	a, b, c := f.replicas[0], f.replicas[1], f.replicas[2]

	// B and C used bad/m while it answered: each caches it as closed.
	bad.fail(false)
	for _, r := range []*replica{b, c} {
		f.chat(r, "chat", badTarget)
	}
	bad.fail(true)
	trip(f, a, bad)

	// The replicas' cached views age past the documented bound (250 ms;
	// the product promises 500 ms): from then on B and C know.
	clock.advance(redis.DefaultCacheTTL)
	for _, r := range []*replica{b, c} {
		if st := f.state(r, badTarget); st.State != "open" {
			t.Fatalf("replica %s: /api/status shows bad/m %s, want open", r.name, st.State)
		}
		if v := f.metric(r, `lifeline_breaker_state{target="bad/m"}`); v != 2 {
			t.Fatalf("replica %s: lifeline_breaker_state{bad/m} = %v, want 2 (open)", r.name, v)
		}
	}
	before := bad.calls()
	for range 10 {
		for _, r := range []*replica{b, c} {
			if ans := f.chat(r, "chat", goodTarget); ans.attempts() != 1 {
				t.Fatalf("replica %s made %d attempts, want 1: the open target must be skipped", r.name, ans.attempts())
			}
		}
	}
	if n := bad.calls() - before; n != 0 {
		t.Fatalf("replicas B and C called the failing target %d times while its breaker was open", n)
	}
}

// TestOneHalfOpenProbeAcrossFleet: after the cool-down, a burst of
// concurrent requests on all three replicas lets exactly one probe reach
// the failing target; the failed probe re-opens the breaker for all.
func TestOneHalfOpenProbeAcrossFleet(t *testing.T) {
	const cooldown = time.Second
	f, bad := breakerFleet(t, cooldown, fleetOptions{})
	trip(f, f.replicas[0], bad)
	opened := f.state(f.replicas[0], badTarget)

	// Wait out the cool-down: every replica sees half-open.
	waitFor(t, cooldown+5*time.Second, "bad/m half-open on every replica", func() bool {
		for _, r := range f.replicas {
			if f.state(r, badTarget).State != "half_open" {
				return false
			}
		}
		return true
	})

	const perReplica = 10
	before := bad.calls()
	start := make(chan struct{})
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		answers []answer
		errs    []error
	)
	for _, r := range f.replicas {
		for range perReplica {
			wg.Go(func() {
				<-start
				a, err := f.post(r, chatBody("chat", false))
				mu.Lock()
				defer mu.Unlock()
				answers, errs = append(answers, a), append(errs, err)
			})
		}
	}
	began := time.Now()
	close(start)
	wg.Wait()
	took := time.Since(began)

	probes := 0
	for i, a := range answers {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if a.status != http.StatusOK || a.target() != goodTarget {
			t.Fatalf("status %d from %q, want 200 from good/m: %.300s", a.status, a.target(), a.body)
		}
		if a.attempts() == 2 {
			probes++
		}
	}
	if n := bad.calls() - before; n != 1 {
		t.Fatalf("the failing target got %d calls from %d concurrent requests on 3 replicas in %v, want exactly 1 (the probe; a re-opened breaker stays open %v)",
			n, len(answers), took, 2*cooldown)
	}
	if probes != 1 {
		t.Fatalf("%d answers made two attempts, want exactly 1 (the probe's)", probes)
	}
	// The failed probe re-opened the breaker, for everyone.
	for _, r := range f.replicas {
		st := f.state(r, badTarget)
		if st.State != "open" || st.Generation <= opened.Generation {
			t.Fatalf("replica %s: bad/m is %s in generation %d after the failed probe, want open after generation %d",
				r.name, st.State, st.Generation, opened.Generation)
		}
	}
}

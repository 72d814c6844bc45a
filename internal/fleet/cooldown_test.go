package fleet_test

import (
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/mock"
	"github.com/lifelinehq/lifeline/store/redis"
)

// cooldownConfig is a route whose first target, bad/m, answers with a
// rate limit or a spent quota and whose second, good/m, answers. A wait
// longer than max_wait moves on at once; the breaker never trips.
const cooldownConfig = badThenGood + `defaults:
  retry: {max_attempts: 2, base: 1ms, cap: 2ms, jitter: none, max_wait: 100ms}
  breaker: {window: 30s, min_requests: 1000, consecutive_failures: 1000, quota_cooldown: 10m}
`

// TestCooldownSetByOneReplicaHoldsForAll: a 429 whose hint is too long to
// wait for (class wait), or a spent quota (class exhausted), seen by
// replica A alone cools bad/m down for B and C too: once their cached view
// of it is older than the staleness bound, they skip it without a call.
func TestCooldownSetByOneReplicaHoldsForAll(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault mock.Fault
		arg   string
		least time.Duration // the cool-down lasts at least this long
	}{
		{"rate_limit", mock.RateLimit, "retry-after:30s", 25 * time.Second},
		{"quota", mock.Quota, "", 9 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newManualClock()
			rs := redistest.Start(t)
			bad, good := startUpstream(t, "bad"), startUpstream(t, "good")
			f := startFleet(t, rs, 3, cooldownConfig, map[string]string{"BAD_URL": bad.URL(), "GOOD_URL": good.URL()},
				fleetOptions{strict: true, redis: []redis.Option{redis.WithNow(clock.now)}})
			a, b, c := f.replicas[0], f.replicas[1], f.replicas[2]

			// B and C used bad/m while it answered: each caches it as usable.
			for _, r := range []*replica{b, c} {
				f.chat(r, "chat", badTarget)
			}
			bad.failWith(tc.fault, tc.arg)
			before := bad.calls()
			if ans := f.chat(a, "chat", goodTarget); ans.attempts() != 2 {
				t.Fatalf("replica A made %d attempts, want 2 (bad/m once, then good/m)", ans.attempts())
			}
			if n := bad.calls() - before; n != 1 {
				t.Fatalf("bad/m got %d calls from A, want 1", n)
			}

			clock.advance(redis.DefaultCacheTTL)
			for _, r := range []*replica{b, c} {
				st := f.state(r, badTarget)
				if st.CoolingUntil == nil || time.Until(*st.CoolingUntil) < tc.least {
					t.Fatalf("replica %s: /api/status shows bad/m cooling until %v, want at least %v from now", r.name, st.CoolingUntil, tc.least)
				}
			}
			before = bad.calls()
			for range 5 {
				for _, r := range []*replica{b, c} {
					if ans := f.chat(r, "chat", goodTarget); ans.attempts() != 1 {
						t.Fatalf("replica %s made %d attempts, want 1: the cooling target must be skipped", r.name, ans.attempts())
					}
				}
			}
			if n := bad.calls() - before; n != 0 {
				t.Fatalf("replicas B and C called bad/m %d times while it was cooling down", n)
			}
		})
	}
}

package fleet_test

import (
	"testing"

	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/mock"
)

// budgetConfig is a route whose first target, bad/m, fails with server
// errors (class transient: one retry on it, then good/m) and whose retry
// budget is a full bucket of 10 tokens that hardly refills: ten retries
// anywhere in the fleet spend it. The breaker never trips.
const budgetConfig = badThenGood + `defaults:
  retry: {max_attempts: 2, base: 1ms, cap: 2ms, jitter: none,
          budget: {ratio: 0.01, min_per_second: 0.001}}
  breaker: {window: 30s, min_requests: 1000, consecutive_failures: 1000}
`

// budgetTokens is the bucket's capacity in budgetConfig: ten seconds of
// the floor, never less than 10.
const budgetTokens = 10

// TestRetryBudgetSpentByOneReplicaHoldsForAll: the retries replica A made
// empty bad/m's retry budget for the whole fleet, so B and C move on to
// good/m after one failed attempt instead of retrying.
func TestRetryBudgetSpentByOneReplicaHoldsForAll(t *testing.T) {
	rs := redistest.Start(t)
	bad, good := startUpstream(t, "bad"), startUpstream(t, "good")
	bad.failWith(mock.ServerError, "")
	f := startFleet(t, rs, 3, budgetConfig, map[string]string{"BAD_URL": bad.URL(), "GOOD_URL": good.URL()}, fleetOptions{strict: true})
	a, b, c := f.replicas[0], f.replicas[1], f.replicas[2]

	before := bad.calls()
	for i := range budgetTokens {
		if ans := f.chat(a, "chat", goodTarget); ans.attempts() != 3 {
			t.Fatalf("request %d on A made %d attempts, want 3 (bad/m, a retry on it, good/m)", i, ans.attempts())
		}
	}
	if n := bad.calls() - before; n != 2*budgetTokens {
		t.Fatalf("bad/m got %d calls from A, want %d", n, 2*budgetTokens)
	}

	before = bad.calls()
	for _, r := range []*replica{b, c} {
		if ans := f.chat(r, "chat", goodTarget); ans.attempts() != 2 {
			t.Fatalf("replica %s made %d attempts, want 2: the budget A spent is empty for everyone", r.name, ans.attempts())
		}
		if v := f.metric(r, `lifeline_retry_budget_exhausted_total{target="bad/m"}`); v != 1 {
			t.Fatalf("replica %s: lifeline_retry_budget_exhausted_total{bad/m} = %v, want 1", r.name, v)
		}
	}
	if n := bad.calls() - before; n != 2 {
		t.Fatalf("bad/m got %d calls from B and C, want 2 (one first attempt each, no retry)", n)
	}
}

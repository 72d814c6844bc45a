// Package storetest is the conformance suite of store.Store: every
// implementation runs it from its own tests, as log/slog handlers run
// testing/slogtest.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return mystore.New(…) })
//	}
//
// Breakers, cool-downs and budgets are driven with synthetic times passed in
// the calls, so those checks are exact. Idempotency leases and TTLs are
// measured by the store's own clock, so those checks use real durations of
// at most a few hundred milliseconds and poll, within a bound, for their
// effect; they suit a store whose records expire on a server.
package storetest

import (
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/budget"
	"github.com/lifelinehq/lifeline/store"
)

// Run runs the suite. newStore is called once per subtest and must return a
// store that holds no state of another subtest's targets or keys (a shared
// server is fine: the suite gives every subtest its own names). Run closes
// every store it gets, and fails the subtest if Close reports an error.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := suite{newStore: newStore}
	for _, c := range []struct {
		name string
		f    func(*testing.T, suite)
	}{
		{"Breaker/TripByConsecutive", testTripByConsecutive},
		{"Breaker/TripByRate", testTripByRate},
		{"Breaker/HalfOpenAfterCooldown", testHalfOpenAfterCooldown},
		{"Breaker/ProbeFailureDoublesCooldown", testProbeFailureDoublesCooldown},
		{"Breaker/ProbesExactUnderConcurrency", testProbesExactUnderConcurrency},
		{"Breaker/NeutralFreesProbe", testNeutralFreesProbe},
		{"Breaker/ProbeLeaseExpiry", testProbeLeaseExpiry},
		{"Breaker/ExpiredProbeFreesNoSlot", testExpiredProbeFreesNoSlot},
		{"Breaker/ProbesFreeSlotsInAnyTimeOrder", testProbesFreeSlotsInAnyTimeOrder},
		{"Breaker/StaleGeneration", testStaleGeneration},
		{"Breaker/RefusedTicketNotCounted", testRefusedTicketNotCounted},
		{"Cooldown/SetExtendExpire", testCooldown},
		{"Cooldown/BeforeBreaker", testCooldownBeforeBreaker},
		{"Budget/WithdrawDeposit", testBudget},
		{"Budget/Refill", testBudgetRefill},
		{"Budget/RefusalUndoesProbe", testNoBudgetUndoesProbe},
		{"Status", testStatus},
		{"Status/Recent", testStatusRecent},
		{"TargetsIsolated", testTargetsIsolated},
		{"Idempotency/ClaimStates", testClaimStates},
		{"Idempotency/ClaimOwners", testClaimOwners},
		{"Idempotency/RecordIsCopied", testRecordIsCopied},
		{"Idempotency/ClaimExactUnderConcurrency", testClaimExactUnderConcurrency},
		{"Idempotency/Release", testRelease},
		{"Idempotency/AwaitComplete", testAwaitComplete},
		{"Idempotency/AwaitRelease", testAwaitRelease},
		{"Idempotency/AwaitContext", testAwaitContext},
		{"Idempotency/AwaitNotInFlight", testAwaitNotInFlight},
		{"Idempotency/LeaseExpiry", testLeaseExpiry},
		{"Idempotency/AwaitLeaseExpiry", testAwaitLeaseExpiry},
		{"Idempotency/TTLExpiry", testTTLExpiry},
		{"Idempotency/KeysIsolated", testKeysIsolated},
		{"Idempotency/TokensDiffer", testTokensDiffer},
		{"Idempotency/WrongTokenIgnored", testWrongTokenIgnored},
		{"Idempotency/StaleOwnerCannotComplete", testStaleOwnerCannotComplete},
		{"Idempotency/StaleOwnerCannotRelease", testStaleOwnerCannotRelease},
	} {
		t.Run(c.name, func(t *testing.T) { c.f(t, s) })
	}
}

// suite carries the store factory to the subtests.
type suite struct {
	newStore func(t *testing.T) store.Store
}

// store returns a fresh store that is closed when t ends.
func (s suite) store(t *testing.T) store.Store {
	t.Helper()
	st := s.newStore(t)
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return st
}

// unique returns a name no other subtest or run uses.
func unique(t *testing.T, what string) string {
	return fmt.Sprintf("storetest/%s/%s/%s", t.Name(), what, rand.Text()[:10])
}

// t0 is the synthetic start time of breaker, cool-down and budget checks.
// It is whole milliseconds, so stores that keep milliseconds keep it exactly.
var t0 = time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)

// breakerConfig is the suite's breaker policy: a 10s window, trips after 3
// failures in a row or 2 of 4, opens for 10s doubling up to 35s.
var breakerConfig = breaker.Config{
	Window:              10 * time.Second,
	MinRequests:         4,
	FailureRate:         0.5,
	ConsecutiveFailures: 3,
	Cooldown:            10 * time.Second,
	MaxCooldown:         35 * time.Second,
	HalfOpenProbes:      1,
	ProbeLease:          5 * time.Second,
}

// budgetConfig allows half a retry per first attempt and no refill, so a
// bucket holds budgetConfig.Capacity() (10) tokens.
var budgetConfig = budget.Config{Ratio: 0.5}

// poll calls cond until it reports true or within has passed, and reports
// whether it did.
func poll(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

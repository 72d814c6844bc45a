package storetest

import (
	"math"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/store"
)

func testCooldown(t *testing.T, s suite) {
	x := newTarget(t, s.store(t))
	// A cool-down reported with any ticket, even a zero one, starts.
	x.report(store.Report{Now: t0, CoolUntil: t0.Add(10 * time.Second), CoolReason: "rate_limited"})
	tk := x.admit(t0.Add(5*time.Second), false)
	x.wantRefused(tk, store.Cooling, t0.Add(10*time.Second))
	if tk.CoolReason != "rate_limited" {
		t.Fatalf("CoolReason %q, want rate_limited", tk.CoolReason)
	}
	// A later end extends it, with the new reason.
	x.report(store.Report{Now: t0.Add(5 * time.Second), CoolUntil: t0.Add(20 * time.Second), CoolReason: "quota"})
	// An earlier end does not shorten it.
	x.report(store.Report{Now: t0.Add(6 * time.Second), CoolUntil: t0.Add(15 * time.Second), CoolReason: "pacing"})
	tk = x.admit(t0.Add(19*time.Second), false)
	x.wantRefused(tk, store.Cooling, t0.Add(20*time.Second))
	if tk.CoolReason != "quota" {
		t.Fatalf("CoolReason %q, want quota (the later cool-down's)", tk.CoolReason)
	}
	// A report without CoolUntil leaves it alone.
	x.report(store.Report{Now: t0.Add(7 * time.Second), Ticket: tk, Outcome: breaker.Success})
	x.wantRefused(x.admit(t0.Add(19*time.Second), false), store.Cooling, t0.Add(20*time.Second))
	// It ends at CoolUntil.
	x.mustAdmit(t0.Add(20 * time.Second))
	// After it ended, a new one starts even if it ends before the old end did.
	x.report(store.Report{Now: t0.Add(30 * time.Second), CoolUntil: t0.Add(31 * time.Second), CoolReason: "pacing"})
	tk = x.admit(t0.Add(30*time.Second), false)
	x.wantRefused(tk, store.Cooling, t0.Add(31*time.Second))
	if tk.CoolReason != "pacing" {
		t.Fatalf("CoolReason %q, want pacing", tk.CoolReason)
	}
	// A refused attempt is not counted by the breaker.
	for range 2 * x.br.ConsecutiveFailures {
		x.done(t0.Add(30*time.Second), tk, breaker.Failure)
	}
	if st := x.status(t0.Add(31 * time.Second)); st.State != breaker.Closed {
		t.Fatalf("state %v after reports of refused attempts, want closed", st.State)
	}
}

func testCooldownBeforeBreaker(t *testing.T, s suite) {
	x := newTarget(t, s.store(t))
	x.trip(t0)
	x.report(store.Report{Now: t0, CoolUntil: t0.Add(15 * time.Second), CoolReason: "rate_limited"})
	// Cooling is answered first, and leaves the breaker untouched: at 12s
	// the breaker's cool-down is over but no probe is taken.
	x.wantRefused(x.admit(t0.Add(12*time.Second), false), store.Cooling, t0.Add(15*time.Second))
	tk := x.mustAdmit(t0.Add(15 * time.Second))
	if !tk.Breaker.Probe || tk.Transition != (breaker.Transition{From: breaker.Open, To: breaker.HalfOpen}) {
		t.Fatalf("first ticket after cooling: probe %v, transition %+v; want a probe and open → half-open", tk.Breaker.Probe, tk.Transition)
	}
}

// capacity is the whole number of retries a full bucket pays for.
func capacity() int { return int(math.Floor(budgetConfig.Capacity())) }

func testBudget(t *testing.T, s suite) {
	x := newTarget(t, s.store(t))
	// First attempts never need a token.
	for range 3 * capacity() {
		x.mustAdmit(t0)
	}
	for i := range capacity() {
		if tk := x.admit(t0, true); !tk.Allowed() {
			t.Fatalf("retry %d of a full bucket of %d: %v", i+1, capacity(), tk.Reason)
		}
	}
	if tk := x.admit(t0, true); tk.Reason != store.NoBudget || tk.Allowed() || tk.Breaker.Allowed {
		t.Fatalf("retry on an empty bucket: %v (breaker allowed %v), want no_budget", tk.Reason, tk.Breaker.Allowed)
	}
	if got := x.status(t0).BudgetTokens; got > 1e-6 {
		t.Fatalf("BudgetTokens = %v, want 0", got)
	}
	// Each first attempt deposits Ratio (0.5): two pay for one retry.
	x.report(store.Report{Now: t0, First: true, Outcome: breaker.Success})
	if tk := x.admit(t0, true); tk.Allowed() {
		t.Fatal("retry admitted with half a token")
	}
	x.report(store.Report{Now: t0, First: true, Outcome: breaker.Success})
	if tk := x.admit(t0, true); !tk.Allowed() {
		t.Fatalf("retry after two deposits: %v", tk.Reason)
	}
	if tk := x.admit(t0, true); tk.Reason != store.NoBudget {
		t.Fatalf("retry after the deposit was spent: %v, want no_budget", tk.Reason)
	}
}

func testBudgetRefill(t *testing.T, s suite) {
	x := newTarget(t, s.store(t))
	x.budget.MinPerSecond = 1 // capacity 10, one token a second
	for range 10 {
		if tk := x.admit(t0, true); !tk.Allowed() {
			t.Fatalf("retry on a full bucket: %v", tk.Reason)
		}
	}
	if tk := x.admit(t0.Add(500*time.Millisecond), true); tk.Reason != store.NoBudget {
		t.Fatalf("retry after half a second: %v, want no_budget", tk.Reason)
	}
	if tk := x.admit(t0.Add(time.Second), true); !tk.Allowed() {
		t.Fatalf("retry after a second of refill: %v", tk.Reason)
	}
}

func testNoBudgetUndoesProbe(t *testing.T, s suite) {
	x := newTarget(t, s.store(t))
	for range capacity() {
		x.admit(t0, true)
	}
	x.trip(t0)
	end := t0.Add(x.br.Cooldown)
	tk := x.admit(end, true)
	if tk.Reason != store.NoBudget || tk.Breaker.Allowed {
		t.Fatalf("retry probe with an empty budget: %v (breaker allowed %v), want no_budget", tk.Reason, tk.Breaker.Allowed)
	}
	if tk.Transition != (breaker.Transition{From: breaker.Open, To: breaker.HalfOpen}) {
		t.Fatalf("transition %+v, want open → half-open (the change happened)", tk.Transition)
	}
	// The refusal must not hold the probe slot.
	if tk := x.mustAdmit(end); !tk.Breaker.Probe {
		t.Fatal("first attempt after a refused retry is not a probe")
	}
	// Reporting the refused ticket changes nothing.
	if tr := x.done(end, tk, breaker.Failure); tr.Changed() {
		t.Fatalf("report of the refused retry: transition %+v", tr)
	}
}

func testStatus(t *testing.T, s suite) {
	x := newTarget(t, s.store(t))
	st := x.status(t0)
	want := store.TargetStatus{State: breaker.Closed, BudgetTokens: budgetConfig.Capacity()}
	if !sameStatus(st, want) {
		t.Fatalf("status of an unseen target: %+v, want %+v", st, want)
	}
	x.admit(t0, true)
	x.trip(t0)
	x.report(store.Report{Now: t0, CoolUntil: t0.Add(3 * time.Second), CoolReason: "quota"})
	want = store.TargetStatus{
		State:        breaker.Open,
		Generation:   1,
		OpenUntil:    t0.Add(x.br.Cooldown),
		CoolingUntil: t0.Add(3 * time.Second),
		CoolReason:   "quota",
		BudgetTokens: budgetConfig.Capacity() - 1,
	}
	if st := x.status(t0.Add(time.Second)); !sameStatus(st, want) {
		t.Fatalf("status: %+v, want %+v", st, want)
	}
	// Once the cool-downs are over, Status shows half-open but changes
	// nothing: the next Admit makes the change.
	end := t0.Add(x.br.Cooldown)
	if st := x.status(end); st.State != breaker.HalfOpen || !st.OpenUntil.IsZero() || !st.CoolingUntil.IsZero() || st.CoolReason != "" {
		t.Fatalf("status at the end of the cool-downs: %+v, want half-open, no open or cooling end", st)
	}
	if tk := x.mustAdmit(end); tk.Transition != (breaker.Transition{From: breaker.Open, To: breaker.HalfOpen}) {
		t.Fatalf("Admit after Status: transition %+v, want open → half-open", tk.Transition)
	}
	if st := x.status(end); st.State != breaker.HalfOpen || st.Generation != 2 {
		t.Fatalf("status: %v generation %d, want half-open generation 2", st.State, st.Generation)
	}
}

// sameStatus compares statuses, times by instant and tokens within rounding.
func sameStatus(a, b store.TargetStatus) bool {
	return a.State == b.State && a.Generation == b.Generation &&
		a.OpenUntil.Equal(b.OpenUntil) && a.CoolingUntil.Equal(b.CoolingUntil) &&
		a.CoolReason == b.CoolReason && math.Abs(a.BudgetTokens-b.BudgetTokens) < 1e-6
}

func testTargetsIsolated(t *testing.T, s suite) {
	st := s.store(t)
	a, b := newTarget(t, st), newTarget(t, st)
	a.trip(t0)
	a.report(store.Report{Now: t0, CoolUntil: t0.Add(time.Minute), CoolReason: "quota"})
	for range capacity() {
		a.admit(t0, true)
	}
	b.mustAdmit(t0)
	if tk := b.admit(t0, true); !tk.Allowed() {
		t.Fatalf("retry on an untouched target: %v", tk.Reason)
	}
	got := b.status(t0)
	if got.State != breaker.Closed || got.Generation != 0 || !got.CoolingUntil.IsZero() {
		t.Fatalf("untouched target's status: %+v", got)
	}
}

func testStatusRecent(t *testing.T, s suite) {
	x := newTarget(t, s.store(t))
	x.br.ConsecutiveFailures = 100 // trip by rate only
	if got := x.status(t0).Recent; got != (breaker.Counts{}) {
		t.Fatalf("Recent of an unseen target: %+v, want none", got)
	}
	x.attempt(t0, breaker.Failure)
	x.attempt(t0.Add(time.Second), breaker.Success)
	x.attempt(t0.Add(2*time.Second), breaker.Neutral) // not counted
	x.attempt(t0.Add(3*time.Second), breaker.Success)
	if got, want := x.status(t0.Add(3*time.Second)).Recent, (breaker.Counts{Requests: 3, Failures: 1}); got != want {
		t.Fatalf("Recent: %+v, want %+v", got, want)
	}
	// Status changes nothing: the same counts again.
	if got, want := x.status(t0.Add(3*time.Second)).Recent, (breaker.Counts{Requests: 3, Failures: 1}); got != want {
		t.Fatalf("Recent read twice: %+v, want %+v", got, want)
	}
	// The first failure's slot leaves the 10s window.
	if got, want := x.status(t0.Add(10*time.Second)).Recent, (breaker.Counts{Requests: 2}); got != want {
		t.Fatalf("Recent after the first slot left the window: %+v, want %+v", got, want)
	}
	if got := x.status(t0.Add(time.Minute)).Recent; got != (breaker.Counts{}) {
		t.Fatalf("Recent a minute later: %+v, want none", got)
	}
	// Opening the breaker spends the counts.
	if tr := x.attempt(t0.Add(4*time.Second), breaker.Failure); tr.To != breaker.Open {
		t.Fatalf("2 failures of 4: transition %+v, want → open", tr)
	}
	if got := x.status(t0.Add(4 * time.Second)).Recent; got != (breaker.Counts{}) {
		t.Fatalf("Recent after the breaker opened: %+v, want none", got)
	}
}

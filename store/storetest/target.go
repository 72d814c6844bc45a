package storetest

import (
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/budget"
	"github.com/lifelinehq/lifeline/store"
)

// target drives one target of a store with the suite's policies.
type target struct {
	t      *testing.T
	s      store.Store
	name   string
	br     breaker.Config
	budget budget.Config
}

// newTarget returns a target with a name of its own in s.
func newTarget(t *testing.T, s store.Store) *target {
	return &target{t: t, s: s, name: unique(t, "target"), br: breakerConfig, budget: budgetConfig}
}

// admit asks to start a first attempt (or a retry) at now.
func (x *target) admit(now time.Time, retry bool) store.Ticket {
	x.t.Helper()
	tk, err := x.s.Admit(x.t.Context(), x.name, store.Admission{Now: now, Breaker: x.br, Retry: retry, Budget: x.budget})
	if err != nil {
		x.t.Fatalf("Admit(%s): %v", x.name, err)
	}
	return tk
}

// mustAdmit admits a first attempt at now and fails the test if refused.
func (x *target) mustAdmit(now time.Time) store.Ticket {
	x.t.Helper()
	tk := x.admit(now, false)
	if !tk.Allowed() {
		x.t.Fatalf("Admit at %v: refused (%v, until %v)", now.Sub(t0), tk.Reason, tk.Until.Sub(t0))
	}
	return tk
}

// report sends r after filling in its policies.
func (x *target) report(r store.Report) breaker.Transition {
	x.t.Helper()
	r.Breaker, r.Budget = x.br, x.budget
	tr, err := x.s.Report(x.t.Context(), x.name, r)
	if err != nil {
		x.t.Fatalf("Report(%s): %v", x.name, err)
	}
	return tr
}

// done reports outcome o of the attempt admitted by tk.
func (x *target) done(now time.Time, tk store.Ticket, o breaker.Outcome) breaker.Transition {
	x.t.Helper()
	return x.report(store.Report{Now: now, Ticket: tk, Outcome: o})
}

// attempt admits and reports one attempt at now.
func (x *target) attempt(now time.Time, o breaker.Outcome) breaker.Transition {
	x.t.Helper()
	return x.done(now, x.mustAdmit(now), o)
}

// trip opens the breaker at now with failures in a row.
func (x *target) trip(now time.Time) {
	x.t.Helper()
	var tr breaker.Transition
	for range x.br.ConsecutiveFailures {
		tr = x.attempt(now, breaker.Failure)
	}
	if tr != (breaker.Transition{From: breaker.Closed, To: breaker.Open}) {
		x.t.Fatalf("last of %d failures: transition %+v, want closed → open", x.br.ConsecutiveFailures, tr)
	}
}

// status reads the target's status at now.
func (x *target) status(now time.Time) store.TargetStatus {
	x.t.Helper()
	st, err := x.s.Status(x.t.Context(), x.name, store.StatusQuery{Now: now, Breaker: x.br, Budget: x.budget})
	if err != nil {
		x.t.Fatalf("Status(%s): %v", x.name, err)
	}
	return st
}

// wantRefused fails the test unless tk refuses for reason until until.
func (x *target) wantRefused(tk store.Ticket, reason store.SkipReason, until time.Time) {
	x.t.Helper()
	if tk.Allowed() || tk.Reason != reason || !tk.Until.Equal(until) {
		x.t.Fatalf("ticket %v until %v, want %v until %v", tk.Reason, tk.Until.Sub(t0), reason, until.Sub(t0))
	}
}

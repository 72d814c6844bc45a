package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/store"
)

func testTripByConsecutive(t *testing.T, s suite) {
	x := newTarget(t, s.store(t))
	x.br.MinRequests = 100 // consecutive failures only
	x.attempt(t0, breaker.Failure)
	x.attempt(t0, breaker.Failure)
	x.attempt(t0, breaker.Success) // breaks the run
	x.attempt(t0, breaker.Failure)
	x.attempt(t0, breaker.Failure)
	if st := x.status(t0); st.State != breaker.Closed {
		t.Fatalf("state %v after a broken run of failures, want closed", st.State)
	}
	// The third failure in a row opens it.
	if tr := x.attempt(t0.Add(time.Second), breaker.Failure); tr != (breaker.Transition{From: breaker.Closed, To: breaker.Open}) {
		t.Fatalf("third failure in a row: transition %+v, want closed → open", tr)
	}
	x.wantRefused(x.admit(t0.Add(2*time.Second), false), store.Open, t0.Add(11*time.Second))
}

func testTripByRate(t *testing.T, s suite) {
	x := newTarget(t, s.store(t))
	x.br.ConsecutiveFailures = 100
	// 2 failures of 3 attempts: under MinRequests (4).
	for _, o := range []breaker.Outcome{breaker.Failure, breaker.Success, breaker.Failure} {
		if tr := x.attempt(t0, o); tr.Changed() {
			t.Fatalf("tripped before MinRequests: %+v", tr)
		}
	}
	// Neutral outcomes count nothing.
	for range 5 {
		x.attempt(t0, breaker.Neutral)
	}
	if st := x.status(t0); st.State != breaker.Closed {
		t.Fatalf("state %v, want closed", st.State)
	}
	// A 4th counted attempt that fails: 3 of 4.
	if tr := x.attempt(t0.Add(time.Second), breaker.Failure); tr.To != breaker.Open {
		t.Fatalf("3 failures of 4: transition %+v, want → open", tr)
	}
}

func testHalfOpenAfterCooldown(t *testing.T, s suite) {
	x := newTarget(t, s.store(t))
	x.trip(t0)
	end := t0.Add(x.br.Cooldown)
	x.wantRefused(x.admit(end.Add(-time.Millisecond), false), store.Open, end)

	probe := x.admit(end, false)
	if !probe.Allowed() || !probe.Breaker.Probe {
		t.Fatalf("ticket at the end of the cool-down: %v (probe %v), want an admitted probe", probe.Reason, probe.Breaker.Probe)
	}
	if probe.Transition != (breaker.Transition{From: breaker.Open, To: breaker.HalfOpen}) {
		t.Fatalf("transition %+v, want open → half-open", probe.Transition)
	}
	x.wantRefused(x.admit(end, false), store.Probing, end.Add(x.br.ProbeLease))
	if st := x.status(end); st.State != breaker.HalfOpen {
		t.Fatalf("state %v, want half-open", st.State)
	}

	if tr := x.done(end.Add(time.Second), probe, breaker.Success); tr != (breaker.Transition{From: breaker.HalfOpen, To: breaker.Closed}) {
		t.Fatalf("probe success: transition %+v, want half-open → closed", tr)
	}
	if tk := x.mustAdmit(end.Add(time.Second)); tk.Breaker.Probe {
		t.Fatal("closed breaker admitted a probe")
	}
	// The window was cleared on closing: two failures do not trip it.
	x.attempt(end.Add(2*time.Second), breaker.Failure)
	x.attempt(end.Add(2*time.Second), breaker.Failure)
	if st := x.status(end.Add(2 * time.Second)); st.State != breaker.Closed {
		t.Fatalf("state %v, want closed", st.State)
	}
}

func testProbeFailureDoublesCooldown(t *testing.T, s suite) {
	x := newTarget(t, s.store(t))
	x.trip(t0)
	now := t0.Add(x.br.Cooldown)
	for _, d := range []time.Duration{20 * time.Second, 35 * time.Second, 35 * time.Second} {
		probe := x.mustAdmit(now)
		if tr := x.done(now, probe, breaker.Failure); tr != (breaker.Transition{From: breaker.HalfOpen, To: breaker.Open}) {
			t.Fatalf("probe failure: transition %+v, want half-open → open", tr)
		}
		x.wantRefused(x.admit(now, false), store.Open, now.Add(d))
		now = now.Add(d)
	}
	// Closing resets the cool-down.
	x.done(now, x.mustAdmit(now), breaker.Success)
	x.trip(now)
	x.wantRefused(x.admit(now, false), store.Open, now.Add(x.br.Cooldown))
}

func testProbesExactUnderConcurrency(t *testing.T, s suite) {
	for _, probes := range []int{1, 3} {
		x := newTarget(t, s.store(t))
		x.br.HalfOpenProbes = probes
		x.trip(t0)
		end := t0.Add(x.br.Cooldown)

		const n = 32
		tickets := make([]store.Ticket, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				tickets[i], errs[i] = x.s.Admit(t.Context(), x.name, store.Admission{Now: end, Breaker: x.br, Budget: x.budget})
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("Admit: %v", err)
		}

		var admitted, probing, transitions int
		for _, tk := range tickets {
			switch {
			case tk.Allowed() && tk.Breaker.Probe:
				admitted++
			case tk.Reason == store.Probing:
				probing++
			default:
				t.Fatalf("ticket %v (probe %v), want an admitted probe or probing", tk.Reason, tk.Breaker.Probe)
			}
			if tk.Transition.Changed() {
				transitions++
			}
		}
		if admitted != probes || probing != n-probes {
			t.Fatalf("HalfOpenProbes=%d: %d admitted, %d probing of %d", probes, admitted, probing, n)
		}
		if transitions != 1 {
			t.Fatalf("%d tickets report the open → half-open change, want exactly 1", transitions)
		}
	}
}

func testNeutralFreesProbe(t *testing.T, s suite) {
	x := newTarget(t, s.store(t))
	x.trip(t0)
	end := t0.Add(x.br.Cooldown)
	probe := x.mustAdmit(end)
	if tr := x.done(end, probe, breaker.Neutral); tr.Changed() {
		t.Fatalf("neutral probe: transition %+v, want none", tr)
	}
	if st := x.status(end); st.State != breaker.HalfOpen {
		t.Fatalf("state %v after a neutral probe, want half-open", st.State)
	}
	if tk := x.mustAdmit(end); !tk.Breaker.Probe {
		t.Fatal("ticket after the slot was freed is not a probe")
	}
}

func testProbeLeaseExpiry(t *testing.T, s suite) {
	x := newTarget(t, s.store(t))
	x.trip(t0)
	end := t0.Add(x.br.Cooldown)
	x.mustAdmit(end) // never reported
	x.wantRefused(x.admit(end.Add(x.br.ProbeLease-time.Millisecond), false), store.Probing, end.Add(x.br.ProbeLease))
	if tk := x.mustAdmit(end.Add(x.br.ProbeLease)); !tk.Breaker.Probe {
		t.Fatal("ticket after the probe lease ran out is not a probe")
	}
}

// A probe whose lease ran out holds no slot any more: when it reports a
// neutral outcome after a newer probe took the slot, the newer probe's
// slot stays taken (half_open_probes: 1 means one probe out).
func testExpiredProbeFreesNoSlot(t *testing.T, s suite) {
	x := newTarget(t, s.store(t))
	x.trip(t0)
	end := t0.Add(x.br.Cooldown)
	late := x.mustAdmit(end)
	renewed := end.Add(x.br.ProbeLease)
	if tk := x.mustAdmit(renewed); !tk.Breaker.Probe {
		t.Fatal("ticket after the probe lease ran out is not a probe")
	}
	x.done(renewed, late, breaker.Neutral)
	x.wantRefused(x.admit(renewed, false), store.Probing, renewed.Add(x.br.ProbeLease))
}

// Probes of one set free their slots whatever the times their requests
// gave Admit: a request that started earlier may be admitted later (the
// times of Admit are the callers', and replicas' clocks differ).
func testProbesFreeSlotsInAnyTimeOrder(t *testing.T, s suite) {
	x := newTarget(t, s.store(t))
	x.br.HalfOpenProbes = 2
	x.trip(t0)
	end := t0.Add(x.br.Cooldown)
	first := x.mustAdmit(end.Add(time.Second))
	earlier := x.mustAdmit(end) // its request started before the first's
	x.wantRefused(x.admit(end.Add(time.Second), false), store.Probing, end.Add(time.Second+x.br.ProbeLease))
	x.done(end.Add(time.Second), earlier, breaker.Neutral)
	if tk := x.mustAdmit(end.Add(time.Second)); !tk.Breaker.Probe {
		t.Fatal("the slot freed by the earlier-timed probe was not given to a new probe")
	}
	x.done(end.Add(time.Second), first, breaker.Neutral)
	if tk := x.mustAdmit(end.Add(time.Second)); !tk.Breaker.Probe {
		t.Fatal("the slot freed by the first probe was not given to a new probe")
	}
}

func testStaleGeneration(t *testing.T, s suite) {
	x := newTarget(t, s.store(t))
	stale := x.mustAdmit(t0) // closed, generation 0
	x.trip(t0)
	gen := x.status(t0).Generation
	if tr := x.done(t0, stale, breaker.Success); tr.Changed() {
		t.Fatalf("stale success: transition %+v", tr)
	}
	if st := x.status(t0); st.State != breaker.Open || st.Generation != gen {
		t.Fatalf("after a stale report: %v generation %d, want open generation %d", st.State, st.Generation, gen)
	}

	end := t0.Add(x.br.Cooldown)
	probe := x.mustAdmit(end)
	if tr := x.done(end, stale, breaker.Failure); tr.Changed() {
		t.Fatalf("stale failure while half-open: transition %+v", tr)
	}
	x.wantRefused(x.admit(end, false), store.Probing, end.Add(x.br.ProbeLease))
	if tr := x.done(end, probe, breaker.Success); tr.To != breaker.Closed {
		t.Fatalf("probe success: transition %+v, want → closed", tr)
	}
	// The probe's ticket is now stale too.
	if tr := x.done(end, probe, breaker.Failure); tr.Changed() {
		t.Fatalf("second report of a probe: transition %+v", tr)
	}
}

func testRefusedTicketNotCounted(t *testing.T, s suite) {
	x := newTarget(t, s.store(t))
	x.trip(t0)
	end := t0.Add(x.br.Cooldown)
	probe := x.mustAdmit(end)
	refused := x.admit(end, false)
	if refused.Reason != store.Probing {
		t.Fatalf("second ticket: %v, want probing", refused.Reason)
	}
	// A refused ticket carries the current generation but must not act as a probe.
	if tr := x.done(end, refused, breaker.Failure); tr.Changed() {
		t.Fatalf("refused ticket's failure: transition %+v", tr)
	}
	if tr := x.done(end, probe, breaker.Success); tr.To != breaker.Closed {
		t.Fatalf("probe success: transition %+v, want → closed", tr)
	}
}

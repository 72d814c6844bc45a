package breaker_test

import (
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// cfg is a policy with round numbers: a 10s window of 1s slots.
var cfg = breaker.Config{
	Window:              10 * time.Second,
	MinRequests:         4,
	FailureRate:         0.5,
	ConsecutiveFailures: 3,
	Cooldown:            10 * time.Second,
	MaxCooldown:         35 * time.Second,
	HalfOpenProbes:      2,
	ProbeLease:          5 * time.Second,
}

// attempt runs one attempt at now with outcome o and returns the transition
// Done caused. It fails the test if the attempt is refused.
func attempt(t *testing.T, b *breaker.Breaker, c breaker.Config, now time.Time, o breaker.Outcome) breaker.Transition {
	t.Helper()
	tk, _ := b.Allow(c, now)
	if !tk.Allowed {
		t.Fatalf("attempt at +%v refused (state %v)", now.Sub(t0), tk.State)
	}
	return b.Done(c, now, tk, o)
}

// tripOpen opens b at now through consecutive failures.
func tripOpen(t *testing.T, b *breaker.Breaker, c breaker.Config, now time.Time) {
	t.Helper()
	for range c.WithDefaults().ConsecutiveFailures {
		attempt(t, b, c, now, breaker.Failure)
	}
	if b.State != breaker.Open {
		t.Fatalf("state = %v after consecutive failures, want open", b.State)
	}
}

func TestZeroValueIsClosed(t *testing.T) {
	var b breaker.Breaker
	tk, tr := b.Allow(breaker.Config{}, t0)
	if !tk.Allowed || tk.Probe || tk.State != breaker.Closed || tr.Changed() {
		t.Fatalf("zero breaker: ticket %+v, transition %+v", tk, tr)
	}
}

func TestTripByRateNotBeforeMinRequests(t *testing.T) {
	c := cfg
	c.ConsecutiveFailures = 100 // rate only
	var b breaker.Breaker
	// failure, success, failure: 2/3 failed, but only 3 < MinRequests attempts.
	for i, o := range []breaker.Outcome{breaker.Failure, breaker.Success, breaker.Failure} {
		if tr := attempt(t, &b, c, t0.Add(time.Duration(i)*time.Second), o); tr.Changed() {
			t.Fatalf("attempt %d tripped before MinRequests: %+v", i, tr)
		}
	}
	// A fourth that fails: 3/4 ≥ 0.5 with 4 ≥ MinRequests.
	tr := attempt(t, &b, c, t0.Add(3*time.Second), breaker.Failure)
	if tr != (breaker.Transition{From: breaker.Closed, To: breaker.Open}) {
		t.Fatalf("transition = %+v, want closed → open", tr)
	}
	if want := t0.Add(3*time.Second + c.Cooldown); !b.Until.Equal(want) {
		t.Fatalf("Until = %v, want %v", b.Until, want)
	}
	if b.Generation != 1 {
		t.Fatalf("Generation = %d, want 1", b.Generation)
	}
}

// The window's rate is what trips the breaker, whichever outcome brings it
// to MinRequests: here a success, at 2 failures in 4.
func TestTripByRateOnASuccess(t *testing.T) {
	c := cfg
	c.ConsecutiveFailures = 100 // rate only
	var b breaker.Breaker
	for i, o := range []breaker.Outcome{breaker.Failure, breaker.Success, breaker.Failure} {
		attempt(t, &b, c, t0.Add(time.Duration(i)*time.Second), o)
	}
	tr := attempt(t, &b, c, t0.Add(3*time.Second), breaker.Success)
	if tr != (breaker.Transition{From: breaker.Closed, To: breaker.Open}) {
		t.Fatalf("transition = %+v, want closed → open at 2/4 failed", tr)
	}
}

func TestRateBelowThresholdStaysClosed(t *testing.T) {
	c := cfg
	c.ConsecutiveFailures = 100
	var b breaker.Breaker
	// 3 failures in 7 attempts: 0.43 < 0.5.
	for i, o := range []breaker.Outcome{
		breaker.Success, breaker.Success, breaker.Failure, breaker.Success,
		breaker.Failure, breaker.Success, breaker.Failure,
	} {
		attempt(t, &b, c, t0.Add(time.Duration(i)*time.Millisecond), o)
	}
	if b.State != breaker.Closed {
		t.Fatalf("state = %v, want closed at a 3/7 failure rate", b.State)
	}
}

func TestTripByConsecutive(t *testing.T) {
	c := cfg
	c.MinRequests = 1000 // consecutive only
	var b breaker.Breaker
	attempt(t, &b, c, t0, breaker.Failure)
	attempt(t, &b, c, t0, breaker.Failure)
	attempt(t, &b, c, t0, breaker.Success) // breaks the run
	attempt(t, &b, c, t0, breaker.Failure)
	attempt(t, &b, c, t0, breaker.Failure)
	if b.State != breaker.Closed {
		t.Fatalf("state = %v after a broken run, want closed", b.State)
	}
	if tr := attempt(t, &b, c, t0, breaker.Failure); tr.To != breaker.Open {
		t.Fatalf("third failure in a row: transition %+v, want → open", tr)
	}
}

func TestOpenRefusesThenHalfOpenAfterCooldown(t *testing.T) {
	var b breaker.Breaker
	tripOpen(t, &b, cfg, t0)
	until := t0.Add(cfg.Cooldown)
	for _, d := range []time.Duration{0, time.Second, cfg.Cooldown - time.Nanosecond} {
		tk, tr := b.Allow(cfg, t0.Add(d))
		if tk.Allowed || tk.State != breaker.Open || !tk.Until.Equal(until) || tr.Changed() {
			t.Fatalf("Allow at +%v: ticket %+v, transition %+v; want refused until %v", d, tk, tr, until)
		}
	}
	gen := b.Generation
	tk, tr := b.Allow(cfg, until)
	if tr != (breaker.Transition{From: breaker.Open, To: breaker.HalfOpen}) {
		t.Fatalf("transition at cooldown end = %+v, want open → half-open", tr)
	}
	if !tk.Allowed || !tk.Probe || tk.State != breaker.HalfOpen || tk.Generation != gen+1 {
		t.Fatalf("ticket at cooldown end = %+v, want a probe in generation %d", tk, gen+1)
	}
}

func TestProbeCountLimit(t *testing.T) {
	var b breaker.Breaker
	tripOpen(t, &b, cfg, t0)
	now := t0.Add(cfg.Cooldown)
	var admitted int
	for range 5 {
		tk, _ := b.Allow(cfg, now)
		if tk.Allowed {
			admitted++
			continue
		}
		if tk.State != breaker.HalfOpen || !tk.Until.Equal(now.Add(cfg.ProbeLease)) {
			t.Fatalf("refused ticket %+v, want half-open until the probe lease ends", tk)
		}
	}
	if admitted != cfg.HalfOpenProbes || b.Probes != cfg.HalfOpenProbes {
		t.Fatalf("admitted %d probes (Probes=%d), want %d", admitted, b.Probes, cfg.HalfOpenProbes)
	}
}

func TestProbeSuccessCloses(t *testing.T) {
	var b breaker.Breaker
	tripOpen(t, &b, cfg, t0)
	now := t0.Add(cfg.Cooldown)
	p1, _ := b.Allow(cfg, now)
	p2, _ := b.Allow(cfg, now)
	tr := b.Done(cfg, now, p1, breaker.Success)
	if tr != (breaker.Transition{From: breaker.HalfOpen, To: breaker.Closed}) {
		t.Fatalf("transition = %+v, want half-open → closed", tr)
	}
	if b.Probes != 0 || b.Consecutive != 0 || b.Recent(cfg, now) != (breaker.Counts{}) {
		t.Fatalf("closed breaker kept state: %+v", b)
	}
	// The other probe's report belongs to the old generation.
	if tr := b.Done(cfg, now, p2, breaker.Failure); tr.Changed() || b.Consecutive != 0 {
		t.Fatalf("stale probe failure counted: transition %+v, breaker %+v", tr, b)
	}
	// After a close, the next trip uses the base cool-down again.
	tripOpen(t, &b, cfg, now)
	if got := b.Until.Sub(now); got != cfg.Cooldown {
		t.Fatalf("cool-down after close = %v, want %v", got, cfg.Cooldown)
	}
}

func TestProbeFailureReopensWithDoubledCooldown(t *testing.T) {
	var b breaker.Breaker
	tripOpen(t, &b, cfg, t0)
	now := b.Until
	// 10s → 20s → 35s (capped) → 35s.
	for _, want := range []time.Duration{20 * time.Second, 35 * time.Second, 35 * time.Second} {
		tk, _ := b.Allow(cfg, now)
		if !tk.Probe {
			t.Fatalf("ticket %+v at the end of the cool-down, want a probe", tk)
		}
		tr := b.Done(cfg, now, tk, breaker.Failure)
		if tr != (breaker.Transition{From: breaker.HalfOpen, To: breaker.Open}) {
			t.Fatalf("transition = %+v, want half-open → open", tr)
		}
		if got := b.Until.Sub(now); got != want {
			t.Fatalf("re-open cool-down = %v, want %v", got, want)
		}
		now = b.Until
	}
	// A probe success closes it; the next trip is back to Cooldown.
	tk, _ := b.Allow(cfg, now)
	b.Done(cfg, now, tk, breaker.Success)
	tripOpen(t, &b, cfg, now)
	if got := b.Until.Sub(now); got != cfg.Cooldown {
		t.Fatalf("cool-down after a close = %v, want %v", got, cfg.Cooldown)
	}
}

func TestNeutralFreesProbeSlot(t *testing.T) {
	c := cfg
	c.HalfOpenProbes = 1
	var b breaker.Breaker
	tripOpen(t, &b, c, t0)
	now := b.Until
	p, _ := b.Allow(c, now)
	if tk, _ := b.Allow(c, now); tk.Allowed {
		t.Fatal("second probe admitted while the first is out")
	}
	if tr := b.Done(c, now, p, breaker.Neutral); tr.Changed() {
		t.Fatalf("neutral probe changed state: %+v", tr)
	}
	if b.State != breaker.HalfOpen || b.Probes != 0 {
		t.Fatalf("after neutral: state %v, probes %d; want half-open, 0", b.State, b.Probes)
	}
	if tk, _ := b.Allow(c, now); !tk.Allowed || !tk.Probe {
		t.Fatalf("ticket %+v after the slot was freed, want a probe", tk)
	}
}

func TestProbeLeaseExpiryFreesSlot(t *testing.T) {
	c := cfg
	c.HalfOpenProbes = 1
	var b breaker.Breaker
	tripOpen(t, &b, c, t0)
	now := b.Until
	lost, _ := b.Allow(c, now) // its holder never reports
	if tk, _ := b.Allow(c, now.Add(c.ProbeLease-time.Nanosecond)); tk.Allowed {
		t.Fatal("probe admitted before the lease ran out")
	}
	tk, _ := b.Allow(c, now.Add(c.ProbeLease))
	if !tk.Allowed || !tk.Probe {
		t.Fatalf("ticket %+v once the lease ran out, want a probe", tk)
	}
	if tk.Generation != lost.Generation {
		t.Fatal("lease expiry changed the generation")
	}
}

func TestStaleGenerationIgnored(t *testing.T) {
	var b breaker.Breaker
	old, _ := b.Allow(cfg, t0) // generation 0, closed
	tripOpen(t, &b, cfg, t0)
	before := b
	if tr := b.Done(cfg, t0, old, breaker.Success); tr.Changed() || b != before {
		t.Fatalf("stale success changed the breaker: transition %+v", tr)
	}
	// Move to half-open; the closed-era ticket still must not count.
	b.Allow(cfg, b.Until)
	before = b
	if tr := b.Done(cfg, t0, old, breaker.Failure); tr.Changed() || b != before {
		t.Fatalf("stale failure changed the breaker: transition %+v", tr)
	}
}

func TestRefusedTicketIgnored(t *testing.T) {
	var b breaker.Breaker
	tripOpen(t, &b, cfg, t0)
	refused, _ := b.Allow(cfg, t0)
	before := b
	if tr := b.Done(cfg, t0, refused, breaker.Failure); tr.Changed() || b != before {
		t.Fatalf("refused ticket's outcome changed the breaker: %+v", tr)
	}
}

func TestPeekDoesNotMutate(t *testing.T) {
	var b breaker.Breaker
	tripOpen(t, &b, cfg, t0)
	before := b
	if got := b.Peek(cfg, t0.Add(time.Second)); got != breaker.Open {
		t.Fatalf("Peek during cool-down = %v, want open", got)
	}
	if got := b.Peek(cfg, b.Until); got != breaker.HalfOpen {
		t.Fatalf("Peek at cool-down end = %v, want half-open", got)
	}
	if b != before {
		t.Fatal("Peek changed the breaker")
	}
}

func TestWithDefaults(t *testing.T) {
	got := breaker.Config{Window: -1, FailureRate: -2, MaxCooldown: -1}.WithDefaults()
	want := breaker.Config{
		Window:              30 * time.Second,
		MinRequests:         10,
		FailureRate:         0.5,
		ConsecutiveFailures: 5,
		Cooldown:            30 * time.Second,
		MaxCooldown:         5 * time.Minute,
		HalfOpenProbes:      1,
		ProbeLease:          2 * time.Minute,
	}
	if got != want {
		t.Fatalf("WithDefaults = %+v, want %+v", got, want)
	}
	if got := (breaker.Config{Cooldown: time.Hour}).WithDefaults().MaxCooldown; got != time.Hour {
		t.Fatalf("MaxCooldown below Cooldown: got %v, want it raised to %v", got, time.Hour)
	}
	if got := cfg.WithDefaults(); got != cfg {
		t.Fatalf("WithDefaults changed a complete config: %+v", got)
	}
}

func TestZeroConfigUsesDefaults(t *testing.T) {
	var b breaker.Breaker
	for range breaker.DefaultConsecutiveFailures - 1 {
		attempt(t, &b, breaker.Config{}, t0, breaker.Failure)
	}
	if b.State != breaker.Closed {
		t.Fatalf("tripped before %d failures", breaker.DefaultConsecutiveFailures)
	}
	attempt(t, &b, breaker.Config{}, t0, breaker.Failure)
	if b.State != breaker.Open || !b.Until.Equal(t0.Add(breaker.DefaultCooldown)) {
		t.Fatalf("state %v until %v, want open until +%v", b.State, b.Until, breaker.DefaultCooldown)
	}
}

func TestStateString(t *testing.T) {
	for s, want := range map[breaker.State]string{
		breaker.Closed: "closed", breaker.HalfOpen: "half_open", breaker.Open: "open", 7: "state(7)",
	} {
		if got := s.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", s, got, want)
		}
	}
}

package breaker_test

import (
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
)

func TestNeutralCountsNothing(t *testing.T) {
	c := cfg
	var b breaker.Breaker
	attempt(t, &b, c, t0, breaker.Failure)
	attempt(t, &b, c, t0, breaker.Failure)
	for range 20 {
		attempt(t, &b, c, t0, breaker.Neutral)
	}
	if got := b.Recent(c, t0); got != (breaker.Counts{Requests: 2, Failures: 2}) {
		t.Fatalf("Recent = %+v, want 2 requests, 2 failures", got)
	}
	if b.Consecutive != 2 {
		t.Fatalf("Consecutive = %d, want 2 (neutral neither counts nor breaks the run)", b.Consecutive)
	}
	if tr := attempt(t, &b, c, t0, breaker.Failure); tr.To != breaker.Open {
		t.Fatalf("transition %+v, want → open", tr)
	}
}

func TestWindowSlidingForgetsOldFailures(t *testing.T) {
	c := cfg
	c.ConsecutiveFailures = 100
	var b breaker.Breaker
	// Three failures at t0: not yet MinRequests (4).
	for range 3 {
		attempt(t, &b, c, t0, breaker.Failure)
	}
	// 9.9s later they are still in the window.
	if got := b.Recent(c, t0.Add(9900*time.Millisecond)); got.Failures != 3 {
		t.Fatalf("Recent at +9.9s = %+v, want the 3 failures", got)
	}
	// A whole window later they have slid out: one more failure is 1/1 < MinRequests.
	if tr := attempt(t, &b, c, t0.Add(c.Window), breaker.Failure); tr.Changed() {
		t.Fatalf("failure after the window tripped on forgotten failures: %+v", tr)
	}
	if got := b.Recent(c, t0.Add(c.Window)); got != (breaker.Counts{Requests: 1, Failures: 1}) {
		t.Fatalf("Recent = %+v, want only the new failure", got)
	}
}

func TestWindowSlidesSlotBySlot(t *testing.T) {
	c := cfg
	c.ConsecutiveFailures = 100
	var b breaker.Breaker
	// A success, then a failure a second for 2s: 3 attempts, under MinRequests.
	attempt(t, &b, c, t0, breaker.Success)
	for i := 1; i <= 2; i++ {
		attempt(t, &b, c, t0.Add(time.Duration(i)*time.Second), breaker.Failure)
	}
	// At +9.9s the success is still in the window: with this failure, 3/4 → trips.
	b1 := b
	if tr := attempt(t, &b1, c, t0.Add(9900*time.Millisecond), breaker.Failure); tr.To != breaker.Open {
		t.Fatalf("at +9.9s: transition %+v, want → open (3 of 4)", tr)
	}
	// At +10s the success's slot has left: 2 failures + this one = 3 < MinRequests.
	b2 := b
	if tr := attempt(t, &b2, c, t0.Add(10*time.Second), breaker.Failure); tr.Changed() {
		t.Fatalf("at +10s: transition %+v, want none (3 < MinRequests)", tr)
	}
}

func TestWindowTimeJumps(t *testing.T) {
	c := cfg
	c.ConsecutiveFailures = 100
	c.FailureRate = 0.9 // counts only
	var b breaker.Breaker
	for range 3 {
		attempt(t, &b, c, t0, breaker.Failure)
	}
	// A small step back counts into the newest slot.
	attempt(t, &b, c, t0.Add(-2*time.Second), breaker.Success)
	if got := b.Recent(c, t0); got != (breaker.Counts{Requests: 4, Failures: 3}) {
		t.Fatalf("after a small step back: Recent = %+v, want 4/3", got)
	}
	// A jump far into the future clears everything.
	if got := b.Recent(c, t0.Add(1000*time.Hour)); got != (breaker.Counts{}) {
		t.Fatalf("after a long jump: Recent = %+v, want empty", got)
	}
	// A step back by more than a window starts over.
	attempt(t, &b, c, t0.Add(-time.Hour), breaker.Failure)
	if got := b.Recent(c, t0.Add(-time.Hour)); got != (breaker.Counts{Requests: 1, Failures: 1}) {
		t.Fatalf("after a long step back: Recent = %+v, want only the new failure", got)
	}
}

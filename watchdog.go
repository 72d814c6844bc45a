package lifeline

import (
	"sync"
	"time"
)

// timeoutError is the cause of an attempt cancelled by one of its bounds.
type timeoutError struct{ bound string }

func (e *timeoutError) Error() string   { return e.bound + " timeout" }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }

// The causes of a cancelled attempt.
var (
	errAttemptTimeout    error = &timeoutError{"attempt"}
	errFirstTokenTimeout error = &timeoutError{"first-token"}
	errIdleTimeout       error = &timeoutError{"idle"}
)

// watchdog enforces a request's time bounds with one timer: the request's
// deadline, and for the attempt in progress its own deadline and its
// current phase bound (first token, idle gap between events). It cancels
// the attempt's context with the bound that passed as the cause. No
// goroutine waits on it.
//
// The timer is set lazily: a bound that moves later (the idle bound after
// every event, the first-token bound once headers arrived) leaves the
// timer where it is, and a firing that finds no bound due sets it for the
// earliest one. A stream of many events thus costs one timer firing per
// idle period, not a timer reset per event. Ending an attempt or a request
// leaves the timer set too: its firing finds nothing to cancel, and a
// pooled watchdog whose timer is still set for a bound later than the next
// attempt's first needs no reset at all. Most attempts then touch the
// runtime's timers not at all.
type watchdog struct {
	mu         sync.Mutex
	timer      *time.Timer
	armed      time.Time       // when the timer fires; zero: not set
	deadline   time.Time       // the request's
	attempt    *attemptContext // the attempt in progress; nil between attempts
	attEnd     time.Time
	phaseEnd   time.Time
	phaseCause error
	stopped    bool
}

// newWatchdog returns a watchdog with its timer, stopped. Watchdogs are
// pooled: a firing left over from a previous request finds no bound due
// and only sets the timer for the current one, or nothing to do.
func newWatchdog() *watchdog {
	w := &watchdog{stopped: true}
	w.timer = time.AfterFunc(time.Hour, w.fire)
	w.timer.Stop()
	return w
}

// reset prepares a pooled watchdog for a request that must end by deadline.
func (w *watchdog) reset(deadline time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.deadline, w.stopped, w.attempt = deadline, false, nil
	w.phaseEnd, w.phaseCause = time.Time{}, nil
}

// begin starts watching an attempt that started at now and must end by
// attEnd; phaseEnd (zero: none) bounds its first phase.
func (w *watchdog) begin(a *attemptContext, now, attEnd, phaseEnd time.Time, cause error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.attempt, w.attEnd = a, attEnd
	w.phaseEnd, w.phaseCause = phaseEnd, cause
	w.rearm(now)
}

// arm sets the attempt's current phase bound (zero: none); now is the
// current time, or zero to read the clock only if the timer must move.
func (w *watchdog) arm(now, phaseEnd time.Time, cause error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.phaseEnd, w.phaseCause = phaseEnd, cause
	w.rearm(now)
}

// lift ends the attempt's current phase bound (the first token came, or
// the caller holds the next move).
func (w *watchdog) lift() { w.arm(time.Time{}, time.Time{}, nil) }

// end stops watching the current attempt. The timer stays set (see
// watchdog). It reports whether the attempt was still watched: false when
// a firing took it, which then ends it, perhaps after end returned.
func (w *watchdog) end() (held bool) {
	w.mu.Lock()
	held = w.attempt != nil
	w.attempt = nil
	w.mu.Unlock()
	return held
}

// stop ends the request: nothing is watched until the next reset.
func (w *watchdog) stop() {
	w.mu.Lock()
	w.stopped, w.attempt = true, nil
	w.mu.Unlock()
}

// rearm makes the timer fire no later than the earliest bound; now is the
// current time or zero. w.mu is held.
func (w *watchdog) rearm(now time.Time) {
	if w.stopped || w.attempt == nil {
		return
	}
	at := w.deadline
	if w.attEnd.Before(at) {
		at = w.attEnd
	}
	if !w.phaseEnd.IsZero() && w.phaseEnd.Before(at) {
		at = w.phaseEnd
	}
	if !w.armed.IsZero() && !at.Before(w.armed) {
		return // the timer fires first; fire sets it again
	}
	if now.IsZero() {
		now = time.Now()
	}
	w.armed = at
	w.timer.Reset(at.Sub(now))
}

func (w *watchdog) fire() {
	w.mu.Lock()
	// The timer is not set any more, unless it was reset after this firing
	// was scheduled: then the next rearm merely sets it again.
	w.armed = time.Time{}
	if w.stopped || w.attempt == nil {
		w.mu.Unlock()
		return
	}
	now := time.Now()
	var cause error
	switch {
	case !now.Before(w.deadline):
		cause = errTotal
	case !now.Before(w.attEnd):
		cause = errAttemptTimeout
	case !w.phaseEnd.IsZero() && !now.Before(w.phaseEnd):
		cause = w.phaseCause
	default:
		// A bound moved later since the timer was set: wait for it.
		w.rearm(now)
		w.mu.Unlock()
		return
	}
	a := w.attempt
	w.attempt = nil
	w.mu.Unlock()
	a.end(cause)
}

package lifeline

import (
	"context"
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
// the attempt's context with the bound that passed as the cause. The timer
// is re-armed as the request progresses; no goroutine waits on it.
type watchdog struct {
	mu         sync.Mutex
	timer      *time.Timer
	deadline   time.Time               // the request's
	cancel     context.CancelCauseFunc // the attempt in progress; nil between attempts
	attEnd     time.Time
	phaseEnd   time.Time
	phaseCause error
	stopped    bool
}

// newWatchdog returns a watchdog with its timer, stopped. Watchdogs are
// pooled: a firing left over from a previous request finds no bound due and
// does nothing.
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
	w.deadline, w.stopped, w.cancel = deadline, false, nil
	w.phaseEnd, w.phaseCause = time.Time{}, nil
}

// begin starts watching an attempt that must end by attEnd.
func (w *watchdog) begin(cancel context.CancelCauseFunc, attEnd time.Time, phaseEnd time.Time, cause error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cancel, w.attEnd = cancel, attEnd
	w.phaseEnd, w.phaseCause = phaseEnd, cause
	w.rearm()
}

// arm sets the attempt's current phase bound (zero: none).
func (w *watchdog) arm(phaseEnd time.Time, cause error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.phaseEnd, w.phaseCause = phaseEnd, cause
	w.rearm()
}

// end stops watching the current attempt.
func (w *watchdog) end() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cancel = nil
	w.timer.Stop()
}

// stop disarms the watchdog for good.
func (w *watchdog) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped, w.cancel = true, nil
	w.timer.Stop()
}

// rearm sets the timer for the earliest bound. w.mu is held.
func (w *watchdog) rearm() {
	if w.stopped || w.cancel == nil {
		return
	}
	at := w.deadline
	if w.attEnd.Before(at) {
		at = w.attEnd
	}
	if !w.phaseEnd.IsZero() && w.phaseEnd.Before(at) {
		at = w.phaseEnd
	}
	w.timer.Reset(time.Until(at))
}

func (w *watchdog) fire() {
	w.mu.Lock()
	if w.stopped || w.cancel == nil {
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
		// Re-armed after this firing was scheduled: not due yet.
		w.mu.Unlock()
		return
	}
	cancel := w.cancel
	w.cancel = nil
	w.mu.Unlock()
	cancel(cause)
}

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

// watchdog cancels an attempt when its deadline or its current phase
// bound (first token, idle gap) passes. It is one timer, re-armed as the
// attempt progresses; no goroutine waits on it.
type watchdog struct {
	cancel context.CancelCauseFunc
	end    time.Time // the attempt's own deadline

	mu         sync.Mutex
	timer      *time.Timer
	phaseEnd   time.Time
	phaseCause error
	stopped    bool
}

func newWatchdog(cancel context.CancelCauseFunc, end time.Time) *watchdog {
	w := &watchdog{cancel: cancel, end: end}
	w.timer = time.AfterFunc(time.Until(end), w.fire)
	return w
}

// arm sets the current phase bound (zero: none) and re-arms the timer for
// the earlier of it and the attempt's deadline.
func (w *watchdog) arm(phaseEnd time.Time, cause error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	w.phaseEnd, w.phaseCause = phaseEnd, cause
	at := w.end
	if !phaseEnd.IsZero() && phaseEnd.Before(at) {
		at = phaseEnd
	}
	w.timer.Reset(time.Until(at))
}

func (w *watchdog) fire() {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return
	}
	now := time.Now()
	cause := errAttemptTimeout
	if now.Before(w.end) {
		if w.phaseEnd.IsZero() || now.Before(w.phaseEnd) {
			// Re-armed after this firing was scheduled: not due yet.
			w.mu.Unlock()
			return
		}
		cause = w.phaseCause
	}
	w.stopped = true
	w.mu.Unlock()
	w.cancel(cause)
}

// stop disarms the watchdog for good.
func (w *watchdog) stop() {
	w.mu.Lock()
	w.stopped = true
	w.timer.Stop()
	w.mu.Unlock()
}

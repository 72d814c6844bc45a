package lifeline

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// watch starts an attempt on w with its own context and returns it.
func watch(w *watchdog, now, attEnd, phaseEnd time.Time, cause error) *attemptContext {
	a := newAttemptContext(context.Background())
	w.begin(a, now, attEnd, phaseEnd, cause)
	return a
}

// cancelledAt waits until ctx is cancelled (or limit passes) and returns
// how long after start that was, and the cause.
func cancelledAt(ctx *attemptContext, start time.Time, limit time.Duration) (time.Duration, error) {
	select {
	case <-ctx.Done():
		return time.Since(start), ctx.cause()
	case <-time.After(limit):
		return -1, nil
	}
}

func TestWatchdogCancelsAtTheEarliestBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, start := hourWatchdog()
		ctx := watch(w, start, start.Add(time.Minute), start.Add(10*time.Second), errFirstTokenTimeout)
		d, cause := cancelledAt(ctx, start, time.Hour)
		if d != 10*time.Second || !errors.Is(cause, errFirstTokenTimeout) {
			t.Fatalf("cancelled after %v with %v; want 10s, first-token", d, cause)
		}
	})
}

// A bound moved later leaves the timer where it was; its firing must not
// cancel, only set the timer again for the bound now due.
func TestWatchdogBoundMovedLater(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, start := hourWatchdog()
		ctx := watch(w, start, start.Add(time.Minute), start.Add(5*time.Second), errFirstTokenTimeout)
		time.Sleep(3 * time.Second)
		w.arm(time.Time{}, time.Now().Add(5*time.Second), errIdleTimeout) // due at 8 s
		time.Sleep(4 * time.Second)                                       // past the first bound (5 s)
		if err := ctx.Err(); err != nil {
			t.Fatalf("cancelled at the bound that moved: %v", ctx.cause())
		}
		d, cause := cancelledAt(ctx, start, time.Hour)
		if d != 8*time.Second || !errors.Is(cause, errIdleTimeout) {
			t.Fatalf("cancelled after %v with %v; want 8s, idle", d, cause)
		}

		// Cleared: the attempt's own bound is what is left.
		ctx = watch(w, time.Now(), time.Now().Add(20*time.Second), time.Now().Add(time.Second), errFirstTokenTimeout)
		start = time.Now()
		w.arm(time.Time{}, time.Time{}, nil)
		d, cause = cancelledAt(ctx, start, time.Hour)
		if d != 20*time.Second || !errors.Is(cause, errAttemptTimeout) {
			t.Fatalf("cancelled after %v with %v; want 20s, attempt", d, cause)
		}
	})
}

// A pooled watchdog keeps its timer set after its request: the next
// request's attempts are cancelled at their own bounds, earlier or later
// than the one left over, and a request that ended is never cancelled.
func TestWatchdogReusedAcrossRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, start := hourWatchdog()
		first := watch(w, start, start.Add(30*time.Second), time.Time{}, nil)
		time.Sleep(time.Second)
		w.end()
		w.stop() // the timer is still set for 30 s

		// A later bound than the one left over.
		start = time.Now()
		w.reset(start.Add(time.Hour))
		ctx := watch(w, start, start.Add(45*time.Second), time.Time{}, nil)
		d, cause := cancelledAt(ctx, start, time.Hour)
		if d != 45*time.Second || !errors.Is(cause, errAttemptTimeout) {
			t.Fatalf("cancelled after %v with %v; want 45s, attempt", d, cause)
		}
		if first.Err() != nil {
			t.Fatal("an attempt that ended was cancelled")
		}
		w.stop()

		// An earlier one than the one left over.
		start = time.Now()
		w.reset(start.Add(time.Hour))
		watch(w, start, start.Add(50*time.Second), time.Time{}, nil)
		w.end()
		w.stop() // the timer is left set for 50 s
		start = time.Now()
		w.reset(start.Add(2 * time.Second))
		ctx = watch(w, start, start.Add(time.Minute), time.Time{}, nil)
		d, cause = cancelledAt(ctx, start, time.Hour)
		if d != 2*time.Second || !errors.Is(cause, errTotal) {
			t.Fatalf("cancelled after %v with %v; want 2s, the request's deadline", d, cause)
		}

		// Stopped with the timer set: its firing cancels nothing.
		start = time.Now()
		w.reset(start.Add(time.Hour))
		ctx = watch(w, start, start.Add(time.Second), time.Time{}, nil)
		w.end()
		w.stop()
		if d, _ := cancelledAt(ctx, start, 10*time.Second); d >= 0 {
			t.Fatalf("a stopped watchdog cancelled after %v", d)
		}
	})
}

// hourWatchdog returns a watchdog for a request that started now and
// whose deadline is an hour away, and now.
func hourWatchdog() (*watchdog, time.Time) {
	w := newWatchdog()
	start := time.Now()
	w.reset(start.Add(time.Hour))
	return w, start
}

package lifeline

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// ended reports whether ctx's Done channel is closed within a second.
func ended(ctx context.Context) bool { return closedSoon(ctx.Done()) }

// closedSoon reports whether c is closed within a second.
func closedSoon(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	case <-time.After(time.Second):
		return false
	}
}

func TestAttemptContextEndsWithItsCause(t *testing.T) {
	a := newAttemptContext(context.Background())
	done := a.Done()
	if a.Err() != nil || a.cause() != nil {
		t.Fatalf("a new attempt context has ended: %v, %v", a.Err(), a.cause())
	}
	select {
	case <-done:
		t.Fatal("Done is closed before the end")
	default:
	}
	a.end(errIdleTimeout)
	a.end(errAttemptTimeout) // only the first end counts
	if !ended(a) || !errors.Is(a.Err(), context.Canceled) || a.cause() != errIdleTimeout {
		t.Fatalf("after end: err %v, cause %v; want canceled, the idle bound", a.Err(), a.cause())
	}
	// Done asked for only after the end is closed too.
	b := newAttemptContext(context.Background())
	b.end(nil)
	if !ended(b) || b.cause() != context.Canceled {
		t.Fatalf("ended without a cause: cause %v, want context.Canceled", b.cause())
	}
}

func TestAttemptContextFollowsTheRequest(t *testing.T) {
	type key struct{}
	deadline := time.Now().Add(time.Hour)
	parent, cancel := context.WithDeadline(context.WithValue(context.Background(), key{}, "v"), deadline)
	defer cancel()
	a := newAttemptContext(parent)
	if d, ok := a.Deadline(); !ok || !d.Equal(deadline) || a.Value(key{}) != "v" {
		t.Fatalf("deadline %v %v, value %v: want the request's", d, ok, a.Value(key{}))
	}
	gone := errors.New("client gone")
	parent2, cancel2 := context.WithCancelCause(parent)
	a2 := newAttemptContext(parent2)
	cancel2(gone)
	if !ended(a2) || a2.cause() != gone {
		t.Fatalf("the request ended with %v; the attempt's cause is %v", gone, a2.cause())
	}
	// A request that had ended already ends the attempt at once.
	a3 := newAttemptContext(parent2)
	if !ended(a3) || a3.cause() != gone {
		t.Fatalf("attempt of an ended request: cause %v", a3.cause())
	}
	// An attempt that ends leaves the request alone.
	a.end(nil)
	if parent.Err() != nil {
		t.Fatal("the attempt's end ended the request")
	}
}

// TestAttemptContextDerived: what net/http and other round trippers
// derive from the attempt's context ends with it, whether derived before
// or after the end, and a callback registered after the end runs too.
func TestAttemptContextDerived(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := newAttemptContext(context.Background())
		child, cancelChild := context.WithCancelCause(a)
		defer cancelChild(nil)
		early, cancelEarly := context.WithCancel(a)
		cancelEarly() // a child that ends first is no trouble
		ran := make(chan struct{})
		context.AfterFunc(a, func() { close(ran) })
		a.end(errFirstTokenTimeout)
		synctest.Wait()
		if !ended(child) || !errors.Is(child.Err(), context.Canceled) {
			t.Fatalf("derived context: err %v after the attempt ended", child.Err())
		}
		if !ended(early) {
			t.Fatal("the child cancelled first is not done")
		}
		if !closedSoon(ran) {
			t.Fatal("AfterFunc did not run at the end")
		}
		late, cancelLate := context.WithCancel(a)
		defer cancelLate()
		if !ended(late) {
			t.Fatal("a context derived after the end is not done")
		}
		// The AfterFunc protocol itself, as a context package other than
		// the standard one would call it after the end.
		lateRan := make(chan struct{})
		a.AfterFunc(func() { close(lateRan) })
		synctest.Wait()
		select {
		case <-lateRan:
		default:
			t.Fatal("AfterFunc registered after the end did not run")
		}
	})
}

// end reports whether the attempt context is quiet: ended by that call,
// with nothing of its parent's left to end it. Only a quiet context may
// start again.
func TestAttemptContextEndIsQuietOnlyWhenItEndedIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		parent, cancel := context.WithCancel(context.Background())
		defer cancel()
		a := newAttemptContext(parent)
		if !a.end(nil) {
			t.Fatal("an attempt ended by its own end is not quiet")
		}
		if a.end(nil) {
			t.Fatal("a second end reports quiet")
		}
		a.start()
		cancel()
		synctest.Wait() // the parent's callback has ended the attempt
		if a.end(nil) {
			t.Fatal("an attempt the request's cancel ended reports quiet")
		}

		// The request's cancel is on its way (its callback started, not yet
		// run) when the attempt ends: the callback may still end a later
		// attempt on the same context.
		parent2, cancel2 := context.WithCancel(context.Background())
		b := newAttemptContext(parent2)
		cancel2()
		if b.end(nil) {
			t.Fatal("an attempt ended while the request's cancel was on its way reports quiet")
		}
		synctest.Wait()
	})
}

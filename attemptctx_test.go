package lifeline

import (
	"context"
	"errors"
	"testing"
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
// or after the end, and a stopped AfterFunc never runs.
func TestAttemptContextDerived(t *testing.T) {
	a := newAttemptContext(context.Background())
	child, cancelChild := context.WithCancelCause(a)
	defer cancelChild(nil)
	early, cancelEarly := context.WithCancel(a)
	cancelEarly() // a child that ends first is no trouble
	ran := make(chan struct{})
	context.AfterFunc(a, func() { close(ran) })
	stoppedRan := make(chan struct{})
	stop := context.AfterFunc(a, func() { close(stoppedRan) })
	if !stop() {
		t.Fatal("stop of a pending AfterFunc reported false")
	}
	a.end(errFirstTokenTimeout)
	if !ended(child) || !errors.Is(child.Err(), context.Canceled) {
		t.Fatalf("derived context: err %v after the attempt ended", child.Err())
	}
	if !ended(early) {
		t.Fatal("the child cancelled first is not done")
	}
	if !closedSoon(ran) {
		t.Fatal("AfterFunc did not run at the end")
	}
	select {
	case <-stoppedRan:
		t.Fatal("a stopped AfterFunc ran")
	case <-time.After(50 * time.Millisecond):
	}
	late, cancelLate := context.WithCancel(a)
	defer cancelLate()
	if !ended(late) {
		t.Fatal("a context derived after the end is not done")
	}
	lateRan := make(chan struct{})
	context.AfterFunc(a, func() { close(lateRan) })
	if !closedSoon(lateRan) {
		t.Fatal("AfterFunc registered after the end did not run")
	}
}

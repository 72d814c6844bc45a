package lifeline

import (
	"context"
	"sync"
	"time"
)

// attemptContext is the context an upstream attempt runs under: the
// request's context, ended early by the watchdog when one of the attempt's
// bounds passes, and ended with the attempt.
//
// It implements context.Context itself instead of being a
// context.WithCancelCause child of the request's context. net/http derives
// a context of its own from every request's; a cancelCtx parent keeps such
// a child in a map it allocates per attempt, while this type takes it as
// one callback (the context package's AfterFunc protocol). On a loopback
// upstream that saves an allocation and about 0.2–0.3 µs of the 3.5 µs
// the engine adds to a call (docs/BENCHMARKS.md).
//
// Why the attempt ended is its cause method. context.Cause cannot tell:
// given an attemptContext it reports the request context's cause (nil
// while the request goes on) when that context can be cancelled, and Err
// when it cannot. The contexts derived from it, net/http's included, end
// with the request's cause when the request ended, and with Err otherwise.
type attemptContext struct {
	parent context.Context

	mu         sync.Mutex
	stopParent func() bool   // undoes the registration with parent; nil if none
	done       chan struct{} // made by the first Done; closedChan if it ended before
	err        error         // context.Canceled once ended
	why        error         // the cause given to end
	first      func()        // callbacks to run when it ends (net/http registers one)
	more       []func()
}

// closedChan is the Done channel of contexts that ended before anyone
// asked for it.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// newAttemptContext returns a context that ends when parent ends or when
// end is called.
func newAttemptContext(parent context.Context) *attemptContext {
	a := &attemptContext{parent: parent}
	if parent.Done() != nil {
		// A parent that has ended runs parentEnded at once, in its own
		// goroutine: it may end a before stop is known.
		stop := context.AfterFunc(parent, a.parentEnded)
		a.mu.Lock()
		if a.err == nil {
			a.stopParent = stop
		}
		a.mu.Unlock()
	}
	return a
}

func (a *attemptContext) parentEnded() { a.end(context.Cause(a.parent)) }

// end ends the context with cause (context.Canceled when nil) and runs the
// callbacks registered on it. Only the first call has an effect.
func (a *attemptContext) end(cause error) {
	a.mu.Lock()
	if a.err != nil {
		a.mu.Unlock()
		return
	}
	if cause == nil {
		cause = context.Canceled
	}
	a.err, a.why = context.Canceled, cause
	if a.done == nil {
		a.done = closedChan
	} else {
		close(a.done)
	}
	first, more, stopParent := a.first, a.more, a.stopParent
	a.first, a.more, a.stopParent = nil, nil, nil
	a.mu.Unlock()
	if stopParent != nil {
		stopParent()
	}
	if first != nil {
		first()
	}
	for _, f := range more {
		f()
	}
}

// cause returns why the context ended; nil while it has not.
func (a *attemptContext) cause() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.why
}

// Deadline implements context.Context: the request's deadline.
func (a *attemptContext) Deadline() (time.Time, bool) { return a.parent.Deadline() }

// Value implements context.Context: the request's values.
func (a *attemptContext) Value(key any) any { return a.parent.Value(key) }

// Done implements context.Context.
func (a *attemptContext) Done() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done == nil {
		a.done = make(chan struct{})
	}
	return a.done
}

// Err implements context.Context.
func (a *attemptContext) Err() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// AfterFunc arranges for f to run when the context ends, in its own
// goroutine if it has ended already. The context package calls it for the
// contexts derived from this one (context.WithCancel, context.AfterFunc).
// Its stop function does not unregister f: the context package guards
// every such f itself, so that a stopped one that runs does nothing, and f
// lives no longer than the attempt.
func (a *attemptContext) AfterFunc(f func()) (stop func() bool) {
	a.mu.Lock()
	if a.err != nil {
		a.mu.Unlock()
		go f()
		return notStopped
	}
	if a.first == nil {
		a.first = f
	} else {
		a.more = append(a.more, f)
	}
	a.mu.Unlock()
	return notStopped
}

func notStopped() bool { return false }

var _ context.Context = (*attemptContext)(nil)

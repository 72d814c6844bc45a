package lifeline

import (
	"context"
	"reflect"
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
// one callback (the context package's AfterFunc protocol). It can be
// started again for the next attempt (see upstreamCall). Starting it
// allocates nothing under a request context that cannot be cancelled
// (context.Background); under one that can, its registration with that
// context (context.AfterFunc) allocates each time, and so does the Done
// channel net/http asks for in both cases.
//
// Why the attempt ended is its cause method. context.Cause cannot tell:
// given an attemptContext it reports the request context's cause (nil
// while the request goes on) when that context can be cancelled, and Err
// when it cannot. The contexts derived from it, net/http's included, end
// with the request's cause when the request ended, and with Err otherwise.
type attemptContext struct {
	parent context.Context
	values context.Context // parent, or derived from it with values of lifeline's

	mu         sync.Mutex
	stopParent func() bool   // undoes the registration with parent; nil if none
	done       chan struct{} // made by the first Done; closedChan if it ended before
	err        error         // context.Canceled once ended
	why        error         // the cause given to end
	first      func()        // callbacks to run when it ends (net/http registers one)
	more       []func()
	onParent   func() // parentEnded, made once
}

// closedChan is the Done channel of contexts that ended before anyone
// asked for it.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// init makes a zero a the context of an attempt of parent, and starts it:
// it ends when parent ends or when end is called. Its values are those of
// values, which must carry parent's (parent, or a context derived from it).
func (a *attemptContext) init(parent, values context.Context) {
	a.parent, a.values = parent, values
	a.onParent = a.parentEnded // one method value for every start of a
	a.start()
}

// start begins an attempt on a, new or one whose attempt is over and quiet
// (see end). The parent stays the one a was made with: net/http keeps
// reading a's values after the attempt (a dial it started goes on for
// later requests), so they must never change.
func (a *attemptContext) start() {
	a.mu.Lock()
	a.stopParent, a.done, a.err, a.why, a.first, a.more = nil, nil, nil, nil, nil, nil
	a.mu.Unlock()
	if a.parent.Done() == nil {
		return
	}
	// A parent that has ended runs parentEnded at once, in its own
	// goroutine: it may end a before stop is known.
	stop := context.AfterFunc(a.parent, a.onParent)
	a.mu.Lock()
	if a.err == nil {
		a.stopParent = stop
	}
	a.mu.Unlock()
}

// of reports whether a is an attempt context of parent: whether its
// parent is parent. It says false when that cannot be told safely:
// comparing two values of an incomparable type would panic.
func (a *attemptContext) of(parent context.Context) bool {
	p := a.parent
	if p == context.Background() || p == context.TODO() {
		return p == parent // p's type is comparable
	}
	return reflect.TypeOf(p).Kind() == reflect.Pointer && p == parent
}

func (a *attemptContext) parentEnded() { a.end(context.Cause(a.parent)) }

// end ends the context with cause (context.Canceled when nil) and runs the
// callbacks registered on it. Only the first call has an effect. It
// reports whether a is quiet: this call ended it, and no callback of the
// parent's can still end it. A quiet context whose derived contexts are
// done with it (net/http's, once the response body is closed) may start
// again.
func (a *attemptContext) end(cause error) (quiet bool) {
	a.mu.Lock()
	if a.err != nil {
		a.mu.Unlock()
		return false
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
	// A parent that ended while a registered with it ended a first.
	quiet = stopParent == nil || stopParent()
	if first != nil {
		first()
	}
	for _, f := range more {
		f()
	}
	return quiet
}

// cause returns why the context ended; nil while it has not.
func (a *attemptContext) cause() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.why
}

// Deadline implements context.Context: the request's deadline.
func (a *attemptContext) Deadline() (time.Time, bool) { return a.parent.Deadline() }

// Value implements context.Context: the request's values, and those
// lifeline adds (see upstreamCall).
func (a *attemptContext) Value(key any) any { return a.values.Value(key) }

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

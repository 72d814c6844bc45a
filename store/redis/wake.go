package redis

import (
	"context"
	"sync"

	goredis "github.com/redis/go-redis/v9"
)

// waker delivers the wake-ups published by Complete and Release, on any
// replica, to the Await calls of this one. It holds one subscription per
// store, opened on the first Await; go-redis re-subscribes by itself after
// a reconnection, and Await polls to cover messages lost meanwhile.
type waker struct {
	s *Store

	mu      sync.Mutex // guards the fields below
	ps      *goredis.PubSub
	waiters map[string]map[chan struct{}]struct{} // key → channels closed on wake-up
	closed  bool
	// subscribing is closed when the attempt to subscribe under way ends;
	// nil when none is.
	subscribing chan struct{}
}

func (w *waker) init(s *Store) {
	w.s = s
	w.waiters = make(map[string]map[chan struct{}]struct{})
}

// subscribe opens the subscription if it is not open yet and waits until
// Redis confirms it, so that a wake-up published after subscribe returns is
// delivered. One attempt runs at a time: a caller that finds one under way
// waits for its end or for ctx, whichever comes first, and does not try
// again itself, so that callers never queue one timeout after another
// while Redis hangs. On failure Await still works, by polling; a later
// Await tries again.
func (w *waker) subscribe(ctx context.Context) {
	w.mu.Lock()
	if w.ps != nil || w.closed {
		w.mu.Unlock()
		return
	}
	if ch := w.subscribing; ch != nil {
		w.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
		}
		return
	}
	attempt := make(chan struct{})
	w.subscribing = attempt
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.subscribing = nil
		w.mu.Unlock()
		close(attempt)
	}()
	ctx, cancel := w.s.bound(ctx)
	defer cancel()
	ps := w.s.c.Subscribe(ctx, w.s.wakeChannel())
	if _, err := ps.Receive(ctx); err != nil {
		ps.Close()
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		ps.Close()
		return
	}
	w.ps = ps
	// Under w.mu, which close takes before the store waits for its
	// goroutines: no goroutine starts after that wait has begun.
	w.s.wg.Add(1)
	go w.dispatch(ps.Channel())
}

// dispatch wakes the waiters of each published key until the subscription
// is closed.
func (w *waker) dispatch(ch <-chan *goredis.Message) {
	defer w.s.wg.Done()
	for m := range ch {
		w.wake(m.Payload)
	}
}

// add registers a waiter of key; its channel is closed on a wake-up.
func (w *waker) add(key string) chan struct{} {
	c := make(chan struct{})
	w.mu.Lock()
	defer w.mu.Unlock()
	set := w.waiters[key]
	if set == nil {
		set = make(map[chan struct{}]struct{})
		w.waiters[key] = set
	}
	set[c] = struct{}{}
	return c
}

// remove unregisters a waiter that has not been woken.
func (w *waker) remove(key string, c chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if set := w.waiters[key]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(w.waiters, key)
		}
	}
}

// wake wakes and unregisters every waiter of key.
func (w *waker) wake(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for c := range w.waiters[key] {
		close(c)
	}
	delete(w.waiters, key)
}

// wakeAll wakes every waiter, when Redis becomes unreachable.
func (w *waker) wakeAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for key, set := range w.waiters {
		for c := range set {
			close(c)
		}
		delete(w.waiters, key)
	}
}

// close ends the subscription; the dispatcher ends with it.
func (w *waker) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	if w.ps != nil {
		w.ps.Close()
	}
}

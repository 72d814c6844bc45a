package redis

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/lifelinehq/lifeline/store/memory"
)

// An idempotency claim acquired on local state — while degraded, or by a
// Claim that timed out while the store stayed shared — is unknown to Redis.
// A duplicate that reaches this replica must still wait for that first
// request, and replay its response, as it would were the state all shared
// or all local; so while this replica holds a local claim on a key, or the
// response stored under it, later Claim and Await calls for that key are
// answered from local state, even when Redis answers. Duplicates that reach
// other replicas go to Redis and may run again (see the package
// documentation). The keys are those of a stall or an outage, and bounded.

// maxLocalKeys bounds the keys answered from local state: as many as the
// records the local store keeps (it is made with this bound), which the
// keys point to. When full, keys that have ended go first, then the
// completed key whose record ends soonest (its duplicates go to Redis, as
// they would for any key), and only when none is completed the running
// claim acquired first: the duplicates of a request still running are the
// likeliest to come.
const maxLocalKeys = memory.DefaultMaxRecords

// localKey is a key that this store claimed on local state, queued with
// the keys in the same state (running or completed) in the order they
// entered it.
type localKey struct {
	key   string
	token string    // the local claim's owner token (with localToken)
	until time.Time // when its claim lease, or once completed its record, ends
	done  bool      // completed: its response is stored

	prev, next *localKey // its neighbours in its queue
}

// keyQueue is a queue of keys, oldest first: a ring through root. A key
// leaves it with unlink.
type keyQueue struct{ root localKey }

// front is the oldest key, or nil.
func (q *keyQueue) front() *localKey {
	if q.root.next == nil || q.root.next == &q.root {
		return nil
	}
	return q.root.next
}

// push queues e last.
func (q *keyQueue) push(e *localKey) {
	if q.root.next == nil {
		q.root.next, q.root.prev = &q.root, &q.root
	}
	e.prev, e.next = q.root.prev, &q.root
	e.prev.next, q.root.prev = e, e
}

// unlink takes e out of its queue.
func unlink(e *localKey) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

// localKeys are the keys whose idempotency this store keeps on local state.
//
// Completed records share one TTL (the gateway's idempotency.ttl) and
// running claims their route's lease, so the order keys entered a queue
// is the order they end in, or near it (routes' leases differ, and a
// mirrored Redis claim ends sooner than one made now). A queue's front is
// the key to evict, and the keys that ended are at the fronts, where each
// call drops a few: every call does constant work. A key that ended
// behind one that did not is dropped when looked up or when it reaches
// the front.
type localKeys struct {
	n       atomic.Int32 // len(keys): Claim and Await skip the lock when 0
	mu      sync.Mutex
	keys    map[string]*localKey // each in running or in stored
	running keyQueue             // claims not completed
	stored  keyQueue             // completed keys: their response is stored
}

// endedPerCall is how many ended keys a call drops at most, besides the
// key it looks up: more than one, so that ended keys go faster than new
// ones come.
const endedPerCall = 2

// acquired records that token claimed key on local state until until.
func (l *localKeys) acquired(key, token string, until, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.keys == nil {
		l.keys = make(map[string]*localKey)
	}
	l.dropEnded(now)
	e, ok := l.keys[key]
	switch {
	case ok:
		unlink(e)
	case len(l.keys) >= maxLocalKeys:
		if e = l.stored.front(); e == nil {
			e = l.running.front()
		}
		l.drop(e) // and e is reused for key
		e.key = key
		l.keys[key] = e
	default:
		e = &localKey{key: key}
		l.keys[key] = e
	}
	e.token, e.until, e.done = token, until, false
	l.running.push(e)
	l.n.Store(int32(len(l.keys)))
}

// completed records that token stored key's response on local state,
// kept until until: duplicates replay it from there.
func (l *localKeys) completed(key, token string, until, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.keys[key]; ok && e.token == token && now.Before(e.until) {
		unlink(e)
		e.until, e.done = until, true
		l.stored.push(e)
	}
}

// released forgets key if token still holds it: the key is free, and
// goes to Redis again.
func (l *localKeys) released(key, token string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.keys[key]; ok && e.token == token {
		l.drop(e)
		l.n.Store(int32(len(l.keys)))
	}
}

// holds reports whether key is answered from local state.
func (l *localKeys) holds(key string) bool {
	if l.n.Load() == 0 {
		return false
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.keys[key]
	if ok && !now.Before(e.until) {
		l.drop(e)
		ok = false
	}
	// Once Redis is back, lookups alone drain the keys that ended; with
	// the last one gone, Claim and Await skip the lock again.
	l.dropEnded(now)
	l.n.Store(int32(len(l.keys)))
	return ok
}

// dropEnded drops up to endedPerCall keys that ended from the queues'
// fronts. l.mu is held; the caller updates l.n.
func (l *localKeys) dropEnded(now time.Time) {
	for range endedPerCall {
		e := l.stored.front()
		if e == nil || now.Before(e.until) {
			if e = l.running.front(); e == nil || now.Before(e.until) {
				return
			}
		}
		l.drop(e)
	}
}

// drop forgets e. l.mu is held; the caller updates l.n.
func (l *localKeys) drop(e *localKey) {
	unlink(e)
	delete(l.keys, e.key)
}

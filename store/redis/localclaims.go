package redis

import (
	"sync"
	"sync/atomic"
	"time"
)

// An idempotency claim acquired on local state — while degraded, or by a
// Claim that timed out while the store stayed shared — is unknown to Redis.
// A duplicate that reaches this replica must still wait for that first
// request, and replay its response, as it would were the state all shared
// or all local; so while this replica holds a local claim on a key, or the
// response stored under it, later Claim and Await calls for that key are
// answered from local state, even when Redis answers. Duplicates that reach
// other replicas go to Redis and may run again (see the package
// documentation). The keys are few (a stall's, an outage's) and bounded.

// maxLocalKeys bounds the keys answered from local state; when full, the
// completed key whose record ends soonest goes first (its duplicates go to
// Redis, as they would for any key), and only when none is completed the
// key whose claim ends soonest: the duplicates of a request still running
// are the likeliest to come.
const maxLocalKeys = 4096

// localKey is a key that this store claimed on local state.
type localKey struct {
	token string    // the local claim's owner token (with localToken)
	until time.Time // when its claim lease, or once completed its record, ends
	done  bool      // completed: its response is stored
}

// localKeys are the keys whose idempotency this store keeps on local state.
type localKeys struct {
	n    atomic.Int32 // len(keys): Claim and Await skip the lock when 0
	mu   sync.Mutex
	keys map[string]localKey
}

// acquired records that token claimed key on local state until until.
func (l *localKeys) acquired(key, token string, until, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.keys == nil {
		l.keys = make(map[string]localKey)
	}
	if _, ok := l.keys[key]; !ok && len(l.keys) >= maxLocalKeys {
		l.evict(now)
	}
	l.keys[key] = localKey{token: token, until: until}
	l.n.Store(int32(len(l.keys)))
}

// evict drops the keys that have ended and, if none had, the completed
// one that ends soonest, or if none is completed the claim that ends
// soonest. l.mu is held.
func (l *localKeys) evict(now time.Time) {
	var (
		first string
		end   time.Time
		done  bool
	)
	for k, e := range l.keys {
		if !now.Before(e.until) {
			delete(l.keys, k)
			continue
		}
		if first == "" || e.done && !done || e.done == done && e.until.Before(end) {
			first, end, done = k, e.until, e.done
		}
	}
	if len(l.keys) >= maxLocalKeys {
		delete(l.keys, first)
	}
}

// completed records that token stored key's response on local state,
// kept until until: duplicates replay it from there.
func (l *localKeys) completed(key, token string, until, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.keys[key]; ok && e.token == token && now.Before(e.until) {
		l.keys[key] = localKey{token: token, until: until, done: true}
	}
}

// released forgets key if token still holds it: the key is free, and
// goes to Redis again.
func (l *localKeys) released(key, token string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.keys[key]; ok && e.token == token {
		delete(l.keys, key)
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
		delete(l.keys, key)
		l.n.Store(int32(len(l.keys)))
		return false
	}
	return ok
}

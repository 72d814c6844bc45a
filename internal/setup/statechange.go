package setup

import (
	"sync"

	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/store/redis"
)

// Option adjusts the state store that Store (and Gateway) opens.
type Option func(*options)

type options struct {
	onChange []func(degraded bool, err error)
	redis    []redis.Option
}

// OnStoreStateChange adds a function called on every transition of a Redis
// store between shared and local state: degraded true with the error that
// caused it, or false and a nil error on recovery. Calls are serialized, in
// transition order, and the first may come before Store returns (Redis
// unreachable at start). f must be fast and must not call the store. The
// memory store has no transitions.
func OnStoreStateChange(f func(degraded bool, err error)) Option {
	return func(o *options) {
		if f != nil {
			o.onChange = append(o.onChange, f)
		}
	}
}

// WithRedisOptions adds options of the Redis store, applied after the ones
// Store sets (tests shorten the recovery interval or lengthen the call
// timeout with them). Use OnStoreStateChange rather than
// redis.WithStateChange, which would replace the store's own hook.
func WithRedisOptions(opts ...redis.Option) Option {
	return func(o *options) { o.redis = append(o.redis, opts...) }
}

// redisStore is the Redis store as Store returns it: a *redis.Store whose
// state changes also reach functions registered after it was opened, such
// as the gateway's (built after its store).
type redisStore struct {
	*redis.Store
	*stateRelay
}

var _ gateway.StateNotifier = (*redisStore)(nil)

// stateRelay passes a store's transitions between shared and local state
// on to every registered function. A function registered late first gets
// the transitions it missed, in order, so that its counts are complete.
type stateRelay struct {
	mu      sync.Mutex // held while calling the functions, which keeps them in order
	subs    []func(degraded bool, err error)
	n       int   // transitions so far: odd while degraded, as they alternate from shared
	lastErr error // the cause of the latest outage
}

// NotifyStateChange registers f. Transitions that happened before are
// replayed to f at once: a degraded one with the latest outage's cause.
func (r *stateRelay) NotifyStateChange(f func(degraded bool, err error)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.n {
		if i%2 == 0 {
			f(true, r.lastErr)
		} else {
			f(false, nil)
		}
	}
	r.subs = append(r.subs, f)
}

// changed is the store's state-change function.
func (r *stateRelay) changed(degraded bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	if degraded {
		r.lastErr = err
	}
	for _, f := range r.subs {
		f(degraded, err)
	}
}

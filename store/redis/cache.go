package redis

import (
	"sync/atomic"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/store"
)

// snapshot is what a replica last read of a target: enough to answer the
// common Admit calls without a round trip.
type snapshot struct {
	state      breaker.State
	gen        uint64
	until      time.Time // Open: when half-open begins
	coolUntil  time.Time
	coolReason string
	version    int64     // bumped by every write of the target's hash
	read       time.Time // when the call that read it started (replica clock)
}

// entry returns the cache slot of target name.
func (s *Store) entry(name string) *atomic.Pointer[snapshot] {
	if e, ok := s.cache.Load(name); ok {
		return e.(*atomic.Pointer[snapshot])
	}
	e, _ := s.cache.LoadOrStore(name, new(atomic.Pointer[snapshot]))
	return e.(*atomic.Pointer[snapshot])
}

// fresh reports whether snap may still answer at the replica's time now.
func (s *Store) fresh(snap *snapshot, now time.Time) bool {
	return snap != nil && now.Sub(snap.read) < s.cfg.cacheTTL
}

// remember caches snap unless a fresh snapshot of a later version (or of
// the same version, read later) is already there: replies of concurrent
// calls arrive in any order.
func (s *Store) remember(name string, snap *snapshot) {
	if s.cfg.cacheTTL <= 0 {
		return
	}
	e := s.entry(name)
	for {
		old := e.Load()
		if old != nil && s.fresh(old, s.cfg.now()) &&
			(old.version > snap.version || old.version == snap.version && !snap.read.After(old.read)) {
			return
		}
		if e.CompareAndSwap(old, snap) {
			return
		}
	}
}

// cachedAdmit answers a from the cached state of target name when that is
// fresh and the answer cannot need Redis:
//
//   - a running cool-down refuses (Cooling); cool-downs only grow, so the
//     refusal is right, though another replica may have extended it;
//   - an open breaker refuses until its half-open time (Open); nothing
//     changes an open breaker before then;
//   - a closed breaker admits a first attempt; Report checks the ticket's
//     generation in Redis, so if the breaker opened meanwhile elsewhere the
//     outcome is not counted. A closed snapshot serves for at most the
//     breaker's cool-down, so it never admits past a half-open change that
//     happened elsewhere: half-open admission stays exact.
//
// Retries (a budget token) and everything half-open (probes are exact) go
// to Redis.
func (s *Store) cachedAdmit(name string, a store.Admission) (store.Ticket, bool) {
	if s.cfg.cacheTTL <= 0 {
		return store.Ticket{}, false
	}
	e, ok := s.cache.Load(name)
	if !ok {
		return store.Ticket{}, false
	}
	snap := e.(*atomic.Pointer[snapshot]).Load()
	now := s.cfg.now()
	if !s.fresh(snap, now) {
		return store.Ticket{}, false
	}
	switch {
	case a.Now.Before(snap.coolUntil):
		return store.Ticket{Reason: store.Cooling, Until: snap.coolUntil, CoolReason: snap.coolReason}, true
	case snap.state == breaker.Open && a.Now.Before(snap.until):
		return store.Ticket{
			Reason:     store.Open,
			Breaker:    breaker.Ticket{Generation: snap.gen, State: breaker.Open, Until: snap.until},
			Until:      snap.until,
			Transition: breaker.Transition{From: breaker.Open, To: breaker.Open},
		}, true
	case snap.state == breaker.Closed && !a.Retry && now.Sub(snap.read) < a.Breaker.WithDefaults().Cooldown:
		return store.Ticket{
			Reason:  store.Admitted,
			Breaker: breaker.Ticket{Allowed: true, Generation: snap.gen, State: breaker.Closed},
		}, true
	}
	return store.Ticket{}, false
}

// readSnapshot decodes the snapshot that admit.lua and report.lua append
// to their replies from element i on.
func readSnapshot(r *reply, i int, read time.Time) *snapshot {
	return &snapshot{
		state:      breaker.State(r.int(i)),
		gen:        uint64(r.int(i + 1)),
		until:      fromMicros(r.int(i + 2)),
		coolUntil:  fromMicros(r.int(i + 3)),
		coolReason: r.str(i + 4),
		version:    r.int(i + 5),
		read:       read,
	}
}

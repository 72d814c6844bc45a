package redis

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lifelinehq/lifeline/store"
)

// health is the store's mode: shared (Redis) or degraded (local state).
type health struct {
	degraded atomic.Bool // read on every call
	// change serializes transitions with their log line and callback, so
	// that observers see them in order.
	change sync.Mutex

	mu          sync.Mutex // guards the fields below
	err         error      // the latest error while degraded
	since       time.Time  // when the outage began
	transitions uint64
	// Hysteresis: recovery needs streak good probes in a row. streak
	// doubles, up to maxRecoverStreak, each time the store degrades within
	// flapWindow of its last recovery, so that a server (or a shard) that
	// comes and goes does not flip the store, and its log, back and forth.
	streak    int
	recovered time.Time // the last recovery (replica clock)
}

// Recovery hysteresis.
const (
	// minRecoverStreak is the good probes in a row that end an outage.
	minRecoverStreak = 2
	// maxRecoverStreak caps the streak after repeated flaps (32 s at the
	// default probe interval).
	maxRecoverStreak = 64
	// flapWindow is how soon after a recovery a new outage counts as a
	// flap.
	flapWindow = time.Minute
)

// state returns whether the store is degraded and the transitions so far.
func (h *health) state() (bool, uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.degraded.Load(), h.transitions
}

// degraded reports whether calls go to local state.
func (s *Store) degraded() bool { return s.health.degraded.Load() }

// degrade switches to local state after err, once per outage: it logs,
// calls the state-change function, starts the recovery loop and wakes the
// Await calls waiting on Redis. It does
// nothing when the store is already degraded or closed.
func (s *Store) degrade(err error) {
	if err == nil {
		return
	}
	h := &s.health
	h.change.Lock()
	defer h.change.Unlock()
	select {
	case <-s.closed:
		return
	default:
	}
	if h.degraded.Load() {
		h.mu.Lock()
		h.err = err
		h.mu.Unlock()
		return
	}
	now := s.cfg.now()
	h.mu.Lock()
	h.err, h.since = err, now
	h.transitions++
	h.degraded.Store(true)
	if !h.recovered.IsZero() && now.Sub(h.recovered) < flapWindow {
		h.streak = min(2*h.streak, maxRecoverStreak)
	} else {
		h.streak = minRecoverStreak
	}
	streak := h.streak
	h.mu.Unlock()

	s.cfg.logger.Warn("state store degraded: Redis is unreachable; this replica serves on its local state until it is back",
		"backend", "redis", "kind", s.kind, "error", err.Error(), "recover_after_probes", streak)
	if f := s.cfg.onChange; f != nil {
		f(true, err)
	}
	s.wg.Add(1)
	go s.recoverLoop(streak)
	// Waiters on Redis return, to claim again on local state.
	s.wake.wakeAll()
}

// recoverLoop probes Redis (every shard of a cluster, see probe) until it
// has taken streak writes in a row and the admissions whose replies were
// lost are undone, then switches back to shared state. It ends with the
// store.
func (s *Store) recoverLoop(streak int) {
	defer s.wg.Done()
	// A timer set again after each probe, not a ticker: a probe that took
	// its whole timeout must not leave a tick behind that fires the next
	// one at once, so the probes of a streak stay recoverEvery apart.
	t := time.NewTimer(s.cfg.recoverEvery)
	defer t.Stop()
	good := 0
	for {
		select {
		case <-s.closed:
			return
		case <-t.C:
		}
		ctx, cancel := s.boundBackground()
		err := s.probe(ctx)
		if err == nil {
			good++
			if good >= streak {
				err = s.flushUndos(ctx)
			}
		}
		cancel()
		t.Reset(s.cfg.recoverEvery)
		if err == nil && good >= streak {
			s.recovered()
			return
		}
		if err != nil {
			good = 0
			s.health.mu.Lock()
			s.health.err = err
			s.health.mu.Unlock()
		}
	}
}

// recovered switches back to shared state. Cached target state read before
// the outage is dropped; the local state learned meanwhile is kept, unmerged,
// for the next outage (see the package documentation). The log line and the
// state-change call come before the switch, so that whoever sees the store
// healthy has been told.
func (s *Store) recovered() {
	h := &s.health
	h.change.Lock()
	defer h.change.Unlock()
	h.mu.Lock()
	since := h.since
	h.mu.Unlock()
	s.cfg.logger.Info("state store recovered: Redis answers again; breakers, cool-downs, budgets and idempotency records are shared again",
		"backend", "redis", "kind", s.kind, "degraded_for", s.cfg.now().Sub(since).Round(time.Millisecond).String())
	if f := s.cfg.onChange; f != nil {
		f(false, nil)
	}

	s.cache.Clear()
	s.streaks.reset()
	h.mu.Lock()
	h.err, h.since, h.recovered = nil, time.Time{}, s.cfg.now()
	h.transitions++
	h.degraded.Store(false)
	h.mu.Unlock()
	// An undo queued since the recovery loop's last flush goes out now,
	// not at the next renewal tick.
	s.kickMaintenance()
}

// Health implements store.Health. While degraded it returns an error that
// wraps store.ErrUnavailable and says since when and why; otherwise it
// probes Redis with a small write (on every shard of a cluster), so that an
// outage is noticed even without traffic. A probe that only timed out
// counts toward a stall like any call (see "Failing open" in the package
// documentation): until the store degrades, Health returns nil.
func (s *Store) Health(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if !s.degraded() {
		fallback, err := s.run(ctx, s.probe)
		if !fallback {
			return err
		}
	}
	h := &s.health
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.degraded.Load() {
		return nil // recovered meanwhile
	}
	return fmt.Errorf("%w: Redis cannot serve since %s (%v); serving on this replica's local state",
		store.ErrUnavailable, h.since.UTC().Format(time.RFC3339), h.err)
}

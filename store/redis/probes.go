package redis

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/budget"
)

// Half-open probe admission stays exact when replies are lost. Every Admit
// sent to Redis carries an id, unique to the store and the call; a probe
// the script admits is recorded in the target's state under that id. When
// an Admit's outcome is unknown (a timeout or a broken connection: the
// script may have run, or may run when a stalled server resumes), its
// caller got its answer from local state and will never report a probe
// taken in Redis. The store remembers the id and, once Redis serves again,
// undoes it: the probe's slot is freed if it is held, and a tombstone keeps
// an admission that reaches the server only afterwards from taking one. The
// same happens to a probe admitted in Redis whose outcome is reported while
// the store is degraded (it goes to local state) or whose Report was lost.
// A neutral Report frees its own probe's slot by id; nothing frees another's.

// maxPendingUndos bounds the undos kept while Redis is away; the oldest go
// first (their slots free themselves when the probe lease runs out).
const maxPendingUndos = 4096

// probeSet names a target's set of probes: a probe ticket carries its
// generation and the set's start.
type probeSet struct {
	target string
	gen    uint64
	since  int64 // microseconds
}

// liveProbe is a probe admitted in Redis whose outcome is not reported yet.
type liveProbe struct {
	id      string
	expires time.Time // when its lease has surely run out (this process's clock)
}

// undo is an admission to undo in Redis.
type undo struct {
	target string
	id     string
	bc     breaker.Config
	bu     budget.Config
	now    time.Time
}

// probes are the ids of a store's probes.
type probes struct {
	mu      sync.Mutex
	live    map[probeSet][]liveProbe
	pending []undo
}

// admitted records that Redis admitted probe id in set, its lease lease.
// Probes whose lease ran out long ago (their callers never reported) are
// forgotten.
func (p *probes) admitted(set probeSet, id string, lease time.Duration) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.live == nil {
		p.live = make(map[probeSet][]liveProbe)
	}
	for k, ps := range p.live {
		kept := ps[:0]
		for _, x := range ps {
			if now.Before(x.expires) {
				kept = append(kept, x)
			}
		}
		if len(kept) == 0 {
			delete(p.live, k)
		} else {
			p.live[k] = kept
		}
	}
	p.live[set] = append(p.live[set], liveProbe{id: id, expires: now.Add(2 * lease)})
}

// take returns the id of one probe of set this store admitted and forgets
// it, or "" when it holds none (the ticket was admitted on local state).
// The probes of one set are alike: any of this store's may be reported.
func (p *probes) take(set probeSet) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	ps := p.live[set]
	if len(ps) == 0 {
		return ""
	}
	id := ps[len(ps)-1].id
	if len(ps) == 1 {
		delete(p.live, set)
	} else {
		p.live[set] = ps[:len(ps)-1]
	}
	return id
}

// add queues u.
func (p *probes) add(u undo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pending) >= maxPendingUndos {
		p.pending = p.pending[1:]
	}
	p.pending = append(p.pending, u)
}

// drain returns the queued undos and empties the queue.
func (p *probes) drain() []undo {
	p.mu.Lock()
	defer p.mu.Unlock()
	us := p.pending
	p.pending = nil
	return us
}

// requeue puts back undos that did not go through, before those queued
// meanwhile.
func (p *probes) requeue(us []undo) {
	if len(us) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending = append(us, p.pending...)
	if n := len(p.pending) - maxPendingUndos; n > 0 {
		p.pending = p.pending[n:]
	}
}

// admissionID returns a new id for an Admit: unique to this store (a random
// prefix) and call (a counter).
func (s *Store) admissionID() string {
	return s.idPrefix + strconv.FormatUint(s.admissions.Add(1), 36)
}

// tombstoneKey is the key that marks admission id on target name as
// undone. It shares the target key's hash tag, hence its cluster slot.
func (s *Store) tombstoneKey(name, id string) string {
	return s.targetKey(name) + ":undone:" + id
}

// forget queues the undo of admission id on target name and, while Redis
// serves, has the maintenance loop send it at once.
func (s *Store) forget(name, id string, bc breaker.Config, bu budget.Config, now time.Time) {
	s.probes.add(undo{target: name, id: id, bc: bc, bu: bu, now: now})
	s.kickMaintenance()
}

// kickMaintenance wakes the maintenance loop (see maintain) unless a wake
// is already pending.
func (s *Store) kickMaintenance() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// flushUndos sends the queued undos in one pipeline. Those Redis could not
// serve are queued again, and the first such error is returned; an undo
// Redis refused as a bug (it cannot succeed later) is dropped.
func (s *Store) flushUndos(ctx context.Context) error {
	us := s.probes.drain()
	if len(us) == 0 {
		return nil
	}
	calls := make([]scriptCall, len(us))
	for i, u := range us {
		calls[i] = scriptCall{
			keys: []string{s.targetKey(u.target), s.tombstoneKey(u.target, u.id)},
			args: targetArgs(u.bc, u.bu, s.cfg.targetTTL, u.now, u.id),
		}
	}
	var (
		again []undo
		first error
	)
	for i, cmd := range runAll(ctx, s.c, s.scripts.unprobe, calls) {
		if err := cmd.Err(); unavailable(err) {
			again = append(again, us[i])
			if first == nil {
				first = err
			}
		}
	}
	s.probes.requeue(again)
	return first
}

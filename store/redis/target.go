package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/budget"
	"github.com/lifelinehq/lifeline/store"
)

// targetKey is the key of target name's state. The braces make it a hash tag, so
// that in a cluster every key of one target maps to one slot.
func (s *Store) targetKey(name string) string {
	return s.cfg.prefix + "target:{" + name + "}"
}

// Admit implements store.Store. It answers from cached state when it can
// (see "The Admit cache" in the package documentation), else with one
// script run in Redis; while degraded, from local state. An Admit whose
// reply is lost is undone in Redis once it serves again (see "Half-open
// probes").
func (s *Store) Admit(ctx context.Context, name string, a store.Admission) (store.Ticket, error) {
	if err := s.check(ctx); err != nil {
		return store.Ticket{}, err
	}
	if s.degraded() {
		return s.localAdmit(ctx, name, a)
	}
	if tk, ok := s.cachedAdmit(name, a); ok {
		s.cachedAdmits.Add(1)
		return tk, nil
	}
	var (
		tk      store.Ticket
		snap    *snapshot
		callErr error
	)
	id := s.admissionID()
	read := s.cfg.now()
	fallback, err := s.run(ctx, func(ctx context.Context) error {
		v, err := s.scripts.admit.Run(ctx, s.c, []string{s.targetKey(name), s.tombstoneKey(name, id)},
			targetArgs(a.Breaker, a.Budget, s.cfg.targetTTL, a.Now, flag(a.Retry), id)...).Result()
		if err != nil {
			callErr = err
			return err
		}
		r := newReply(v)
		tk = store.Ticket{
			Reason: store.SkipReason(r.int(0)),
			Breaker: breaker.Ticket{
				Allowed:    r.int(1) == 1,
				Probe:      r.int(2) == 1,
				Generation: uint64(r.int(3)),
				State:      breaker.State(r.int(4)),
				Until:      fromMicros(r.int(5)),
				Since:      fromMicros(r.int(10)),
			},
			Until:      fromMicros(r.int(6)),
			CoolReason: r.str(7),
			Transition: breaker.Transition{From: breaker.State(r.int(8)), To: breaker.State(r.int(9))},
		}
		snap = readSnapshot(r, 11, read)
		return r.err
	})
	if outcomeUnknown(callErr) {
		// The script may have run, or may run later: a probe it took would
		// never be reported.
		s.forget(name, id, a.Breaker, a.Budget, a.Now)
	}
	if fallback {
		return s.localAdmit(ctx, name, a)
	}
	if err != nil {
		return store.Ticket{}, err
	}
	if tk.Allowed() && tk.Breaker.Probe {
		s.probes.admitted(probeSet{name, tk.Breaker.Generation, micros(tk.Breaker.Since)}, id,
			a.Breaker.WithDefaults().ProbeLease)
	}
	s.remember(name, snap)
	return tk, nil
}

func (s *Store) localAdmit(ctx context.Context, name string, a store.Admission) (store.Ticket, error) {
	s.localCalls.Add(1)
	tk, err := s.local.Admit(ctx, name, a)
	return tk, localErr(err)
}

// Report implements store.Store with one script run in Redis; while
// degraded, on local state.
func (s *Store) Report(ctx context.Context, name string, r store.Report) (breaker.Transition, error) {
	if err := s.check(ctx); err != nil {
		return breaker.Transition{}, err
	}
	// The id of the probe reported, when Redis admitted it through this
	// store: a neutral outcome frees that probe's slot.
	var id string
	if r.Ticket.Allowed() && r.Ticket.Breaker.Allowed && r.Ticket.Breaker.Probe {
		id = s.probes.take(probeSet{name, r.Ticket.Breaker.Generation, micros(r.Ticket.Breaker.Since)})
	}
	if s.degraded() {
		if id != "" {
			// The outcome goes to local state; Redis would hold the slot
			// until the probe lease ran out.
			s.forget(name, id, r.Breaker, r.Budget, r.Now)
		}
		return s.localReport(ctx, name, r)
	}
	var (
		tr      breaker.Transition
		snap    *snapshot
		callErr error
	)
	read := s.cfg.now()
	fallback, err := s.run(ctx, func(ctx context.Context) error {
		v, err := s.scripts.report.Run(ctx, s.c, []string{s.targetKey(name)},
			targetArgs(r.Breaker, r.Budget, s.cfg.targetTTL, r.Now,
				flag(r.Ticket.Allowed() && r.Ticket.Breaker.Allowed),
				flag(r.Ticket.Breaker.Probe),
				strconv.FormatUint(r.Ticket.Breaker.Generation, 10),
				int(r.Outcome),
				micros(r.CoolUntil),
				r.CoolReason,
				flag(r.First),
				micros(r.Ticket.Breaker.Since),
				id,
			)...).Result()
		if err != nil {
			callErr = err
			return err
		}
		rep := newReply(v)
		tr = breaker.Transition{From: breaker.State(rep.int(0)), To: breaker.State(rep.int(1))}
		snap = readSnapshot(rep, 2, read)
		return rep.err
	})
	if id != "" && (outcomeUnknown(callErr) || fallback) {
		// The outcome may not have reached Redis (unknown), or surely did
		// not (an outage's error reply): free the slot if it is still
		// held (if not, the undo finds nothing to free).
		s.forget(name, id, r.Breaker, r.Budget, r.Now)
	}
	if fallback {
		return s.localReport(ctx, name, r)
	}
	if err != nil {
		return breaker.Transition{}, err
	}
	s.remember(name, snap)
	return tr, nil
}

func (s *Store) localReport(ctx context.Context, name string, r store.Report) (breaker.Transition, error) {
	s.localCalls.Add(1)
	tr, err := s.local.Report(ctx, name, r)
	return tr, localErr(err)
}

// Status implements store.Store. It reads the target's state in one round
// trip and derives the status with packages breaker and budget, changing
// nothing; while degraded, it shows local state.
func (s *Store) Status(ctx context.Context, name string, q store.StatusQuery) (store.TargetStatus, error) {
	if err := s.check(ctx); err != nil {
		return store.TargetStatus{}, err
	}
	if s.degraded() {
		return s.localStatus(ctx, name, q)
	}
	var (
		b          breaker.Breaker
		bucket     budget.Bucket
		coolUntil  time.Time
		coolReason string
	)
	fallback, err := s.run(ctx, func(ctx context.Context) error {
		v, err := s.scripts.status.Run(ctx, s.c, []string{s.targetKey(name)}).Result()
		if err != nil {
			return err
		}
		r := newReply(v)
		b, bucket, coolUntil, coolReason = decodeTarget(r)
		return r.err
	})
	if fallback {
		return s.localStatus(ctx, name, q)
	}
	if err != nil {
		return store.TargetStatus{}, err
	}
	return store.StatusOf(b, coolUntil, coolReason, bucket, q), nil
}

func (s *Store) localStatus(ctx context.Context, name string, q store.StatusQuery) (store.TargetStatus, error) {
	s.localCalls.Add(1)
	st, err := s.local.Status(ctx, name, q)
	return st, localErr(err)
}

// decodeTarget reads status.lua's reply.
func decodeTarget(r *reply) (breaker.Breaker, budget.Bucket, time.Time, string) {
	b := breaker.Breaker{
		State:       breaker.State(r.int(0)),
		Generation:  uint64(r.int(1)),
		Until:       fromMicros(r.int(2)),
		Cooldown:    time.Duration(r.int(3)) * time.Microsecond,
		Probes:      int(r.int(4)),
		ProbeSince:  fromMicros(r.int(5)),
		Consecutive: int(r.int(6)),
		SlotStart:   fromMicros(r.int(7)),
	}
	for i := range breaker.Buckets {
		b.Slots[i] = breaker.Counts{Requests: uint32(r.int(13 + i)), Failures: uint32(r.int(13 + breaker.Buckets + i))}
	}
	tokens, err := strconv.ParseFloat(r.str(10), 64)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("%w: stored budget tokens: %w", errBadReply, err)
	}
	bucket := budget.Bucket{Tokens: tokens, Updated: fromMicros(r.int(11))}
	return b, bucket, fromMicros(r.int(8)), r.str(9)
}

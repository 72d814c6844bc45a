package memory

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/budget"
	"github.com/lifelinehq/lifeline/store"
)

// target is the state of one target, guarded by its own mutex.
type target struct {
	mu         sync.Mutex
	breaker    breaker.Breaker
	coolUntil  time.Time
	coolReason string
	budget     budget.Bucket
}

// target returns the state of name, creating it on first use. Targets come
// from configuration, so their number is bounded and they are never
// removed: the map is read without a lock on every call and copied on the
// rare addition.
func (s *Store) target(name string) *target {
	if t := s.lookup(name); t != nil {
		return t
	}
	s.added.Lock()
	defer s.added.Unlock()
	old := s.snapshot()
	if t := old[name]; t != nil {
		return t // added since the lookup
	}
	m := make(map[string]*target, len(old)+1)
	maps.Copy(m, old)
	t := new(target)
	m[name] = t
	s.targets.Store(&m)
	return t
}

// lookup returns the state of name; nil when it has none yet.
func (s *Store) lookup(name string) *target {
	return s.snapshot()[name]
}

// snapshot returns the targets' map as it is now; it must not be modified.
func (s *Store) snapshot() map[string]*target {
	if m := s.targets.Load(); m != nil {
		return *m
	}
	return nil
}

// Admit implements store.Store. In order: a running cool-down refuses with
// Cooling; the breaker may refuse with Open or Probing; a retry then needs
// a budget token, and when there is none the breaker's admission is undone
// (a probe slot is freed) and the answer is NoBudget.
func (s *Store) Admit(ctx context.Context, name string, a store.Admission) (store.Ticket, error) {
	if err := s.check(ctx); err != nil {
		return store.Ticket{}, err
	}
	t := s.target(name)
	t.mu.Lock()
	defer t.mu.Unlock()

	if a.Now.Before(t.coolUntil) {
		return store.Ticket{Reason: store.Cooling, Until: t.coolUntil, CoolReason: t.coolReason}, nil
	}
	bt, tr := t.breaker.Allow(a.Breaker, a.Now)
	if !bt.Allowed {
		reason := store.Open
		if bt.State == breaker.HalfOpen {
			reason = store.Probing
		}
		return store.Ticket{Reason: reason, Breaker: bt, Until: bt.Until, Transition: tr}, nil
	}
	if a.Retry && !t.budget.Withdraw(a.Budget, a.Now) {
		t.breaker.Done(a.Breaker, a.Now, bt, breaker.Neutral)
		bt.Allowed, bt.Probe = false, false
		return store.Ticket{Reason: store.NoBudget, Breaker: bt, Transition: tr}, nil
	}
	return store.Ticket{Reason: store.Admitted, Breaker: bt, Transition: tr}, nil
}

// Report implements store.Store. The breaker hears the outcome only of an
// attempt its ticket admitted; a cool-down keeps the later of its current
// end and r.CoolUntil; a first attempt deposits into the budget.
func (s *Store) Report(ctx context.Context, name string, r store.Report) (breaker.Transition, error) {
	if err := s.check(ctx); err != nil {
		return breaker.Transition{}, err
	}
	t := s.target(name)
	t.mu.Lock()
	defer t.mu.Unlock()

	tr := breaker.Transition{From: t.breaker.State, To: t.breaker.State}
	if r.Ticket.Allowed() && r.Ticket.Breaker.Allowed {
		tr = t.breaker.Done(r.Breaker, r.Now, r.Ticket.Breaker, r.Outcome)
	}
	if r.CoolUntil.After(t.coolUntil) {
		t.coolUntil, t.coolReason = r.CoolUntil, r.CoolReason
	}
	if r.First {
		t.budget.Deposit(r.Budget, r.Now)
	}
	return tr, nil
}

// Status implements store.Store. It changes nothing: a breaker whose
// cool-down has ended shows as half-open before any Admit moves it there.
func (s *Store) Status(ctx context.Context, name string, q store.StatusQuery) (store.TargetStatus, error) {
	if err := s.check(ctx); err != nil {
		return store.TargetStatus{}, err
	}
	var (
		b          breaker.Breaker
		coolUntil  time.Time
		coolReason string
		bucket     budget.Bucket
	)
	if t := s.lookup(name); t != nil {
		t.mu.Lock()
		b, coolUntil, coolReason, bucket = t.breaker, t.coolUntil, t.coolReason, t.budget
		t.mu.Unlock()
	}
	return store.StatusOf(b, coolUntil, coolReason, bucket, q), nil
}

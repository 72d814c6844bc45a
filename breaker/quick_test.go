package breaker_test

import (
	"math/rand"
	"reflect"
	"testing"
	"testing/quick"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
)

// script is a random policy and a random sequence of calls on one breaker.
type script struct {
	Config breaker.Config
	Steps  []step
}

// step is one call: advance the clock by Advance (possibly backwards), then
// Allow, Done on a held ticket, or Peek.
type step struct {
	Advance time.Duration
	Op      int // 0: Allow, 1: Done, 2: Peek
	Pick    int // which held ticket Done reports
	Outcome breaker.Outcome
}

// Generate implements quick.Generator.
func (script) Generate(r *rand.Rand, size int) reflect.Value {
	sec := func(n int) time.Duration { return time.Duration(1+r.Intn(n)) * time.Second }
	s := script{Config: breaker.Config{
		Window:              sec(20),
		MinRequests:         r.Intn(6),
		FailureRate:         r.Float64(),
		ConsecutiveFailures: r.Intn(6),
		Cooldown:            sec(10),
		MaxCooldown:         sec(60),
		HalfOpenProbes:      r.Intn(4),
		ProbeLease:          sec(15),
	}}
	for range 20 + r.Intn(10*size+1) {
		st := step{Op: r.Intn(3), Pick: r.Intn(8), Outcome: breaker.Outcome(1 + r.Intn(3))}
		switch r.Intn(10) {
		case 0:
			st.Advance = -time.Duration(r.Int63n(int64(30 * time.Second))) // clock steps back
		case 1, 2:
			st.Advance = time.Duration(r.Int63n(int64(2 * time.Minute)))
		default:
			st.Advance = time.Duration(r.Int63n(int64(2 * time.Second)))
		}
		s.Steps = append(s.Steps, st)
	}
	return reflect.ValueOf(s)
}

// TestInvariants runs random scripts and checks after every call that the
// breaker's invariants hold.
func TestInvariants(t *testing.T) {
	check := func(s script) bool {
		c := s.Config.WithDefaults()
		var b breaker.Breaker
		var held []breaker.Ticket
		now := t0
		fail := func(i int, format string, args ...any) bool {
			t.Logf("config %+v, step %d (%+v): "+format, append([]any{c, i, s.Steps[i]}, args...)...)
			return false
		}
		for i, st := range s.Steps {
			now = now.Add(st.Advance)
			before := b
			var tr breaker.Transition
			switch st.Op {
			case 0:
				peeked := b.Peek(s.Config, now)
				var tk breaker.Ticket
				tk, tr = b.Allow(s.Config, now)
				if tk.State != b.State || b.State != peeked {
					return fail(i, "Allow saw %v, left %v, Peek said %v", tk.State, b.State, peeked)
				}
				if tk.Allowed && b.State == breaker.Open {
					return fail(i, "open breaker admitted an attempt")
				}
				if tk.Probe != (tk.Allowed && b.State == breaker.HalfOpen) {
					return fail(i, "ticket %+v in state %v", tk, b.State)
				}
				if tk.Generation != b.Generation {
					return fail(i, "ticket generation %d, breaker %d", tk.Generation, b.Generation)
				}
				held = append(held, tk)
			case 1:
				if len(held) == 0 {
					continue
				}
				k := st.Pick % len(held)
				tk := held[k]
				held = append(held[:k], held[k+1:]...)
				tr = b.Done(s.Config, now, tk, st.Outcome)
				if tk.Generation != before.Generation && b != before {
					return fail(i, "stale ticket changed the breaker")
				}
			case 2:
				b.Peek(s.Config, now)
				if b != before {
					return fail(i, "Peek changed the breaker")
				}
				continue
			}
			if tr.From != before.State || tr.To != b.State {
				return fail(i, "transition %+v for %v → %v", tr, before.State, b.State)
			}
			switch {
			case b.Generation < before.Generation:
				return fail(i, "generation went back from %d to %d", before.Generation, b.Generation)
			case tr.Changed() != (b.Generation == before.Generation+1),
				!tr.Changed() && b.Generation != before.Generation:
				return fail(i, "transition %+v with generation %d → %d", tr, before.Generation, b.Generation)
			}
			if b.Probes < 0 || b.Probes > c.HalfOpenProbes {
				return fail(i, "Probes = %d, limit %d", b.Probes, c.HalfOpenProbes)
			}
			if b.State != breaker.HalfOpen && b.Probes != 0 {
				return fail(i, "Probes = %d in state %v", b.Probes, b.State)
			}
			if b.State == breaker.Open && (b.Cooldown < c.Cooldown || b.Cooldown > c.MaxCooldown) {
				return fail(i, "cool-down %v outside [%v, %v]", b.Cooldown, c.Cooldown, c.MaxCooldown)
			}
			for _, sl := range b.Slots {
				if sl.Failures > sl.Requests {
					return fail(i, "slot with %d failures of %d requests", sl.Failures, sl.Requests)
				}
			}
		}
		return true
	}
	if err := quick.Check(check, &quick.Config{MaxCount: 2000}); err != nil {
		t.Fatal(err)
	}
}

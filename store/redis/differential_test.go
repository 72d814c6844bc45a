package redis_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/budget"
	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
	"github.com/lifelinehq/lifeline/store/redis"
)

// TestMatchesMemory drives the memory store and the Redis store (cached
// and not) with the same random sequences of attempts, cool-downs, clock
// steps (forward, and backward as skewed replicas cause) and policies, and
// requires the same tickets, transitions and statuses: the Lua machines
// must be those of packages breaker and budget. Times are whole
// microseconds, the precision the Redis store keeps.
func TestMatchesMemory(t *testing.T) {
	srv := redistest.Start(t)
	for seed := range uint64(40) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			br, bu := randomPolicy(rng)
			mem := memory.New()
			defer mem.Close()
			stores := map[string]store.Store{
				"memory":   mem,
				"cached":   open(t, srv, prefix()),
				"uncached": open(t, srv, prefix(), redis.WithCacheTTL(0)),
			}
			now := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
			var out []ticketed // per store: the tickets not yet reported
			for step := range 300 {
				switch x := rng.IntN(20); {
				case x < 12:
					now = now.Add(time.Duration(rng.Int64N(int64(3*br.Window/breaker.Buckets))) / time.Microsecond * time.Microsecond)
				case x == 12:
					now = now.Add(-time.Duration(rng.Int64N(int64(2*br.Window))) / time.Microsecond * time.Microsecond)
				case x == 13:
					now = now.Add(br.Cooldown + time.Duration(rng.Int64N(int64(br.MaxCooldown)+1))/time.Microsecond*time.Microsecond)
				}
				a := store.Admission{Now: now, Breaker: br, Retry: rng.IntN(3) == 0, Budget: bu}
				want := admitAll(t, stores, "t", a)
				out = append(out, want)
				// Report some outstanding attempts, in any order.
				for len(out) > 0 && rng.IntN(3) > 0 {
					i := rng.IntN(len(out))
					tk := out[i]
					out = append(out[:i], out[i+1:]...)
					r := store.Report{
						Now: now, Breaker: br, Budget: bu,
						Outcome: breaker.Outcome(1 + rng.IntN(3)),
						First:   rng.IntN(2) == 0,
					}
					if rng.IntN(30) == 0 {
						r.CoolUntil = now.Add(time.Duration(rng.Int64N(int64(5*time.Second))) / time.Microsecond * time.Microsecond)
						r.CoolReason = []string{"rate_limited", "quota", "pacing"}[rng.IntN(3)]
					}
					reportAll(t, stores, "t", tk, r, step)
				}
				statusAll(t, stores, "t", store.StatusQuery{Now: now, Breaker: br, Budget: bu}, step)
			}
		})
	}
}

// ticketed holds each store's ticket for one attempt.
type ticketed map[string]store.Ticket

func randomPolicy(rng *rand.Rand) (breaker.Config, budget.Config) {
	br := breaker.Config{
		Window:              time.Duration(1+rng.IntN(40)) * 777 * time.Millisecond,
		MinRequests:         1 + rng.IntN(8),
		FailureRate:         0.2 + 0.7*rng.Float64(),
		ConsecutiveFailures: 1 + rng.IntN(6),
		Cooldown:            time.Duration(1+rng.IntN(20)) * 333 * time.Millisecond,
		MaxCooldown:         time.Duration(rng.IntN(60)) * time.Second,
		HalfOpenProbes:      1 + rng.IntN(3),
		ProbeLease:          time.Duration(rng.IntN(10)) * 700 * time.Millisecond,
	}
	bu := budget.Config{
		Ratio:        []float64{0, 0.1, 0.2, 0.5, 1}[rng.IntN(5)],
		MinPerSecond: []float64{0, 0.5, 1, 3}[rng.IntN(4)],
	}
	return br, bu
}

func admitAll(t *testing.T, stores map[string]store.Store, name string, a store.Admission) ticketed {
	t.Helper()
	got := ticketed{}
	for k, s := range stores {
		tk, err := s.Admit(t.Context(), name, a)
		if err != nil {
			t.Fatalf("%s Admit: %v", k, err)
		}
		got[k] = tk
	}
	for k, tk := range got {
		if !sameTicket(tk, got["memory"]) {
			t.Fatalf("Admit at %v (retry %v): %s ticket\n%+v\nmemory ticket\n%+v", a.Now.Format(time.StampMicro), a.Retry, k, tk, got["memory"])
		}
	}
	return got
}

func reportAll(t *testing.T, stores map[string]store.Store, name string, tk ticketed, r store.Report, step int) {
	t.Helper()
	var want breaker.Transition
	for _, k := range []string{"memory", "cached", "uncached"} {
		r.Ticket = tk[k]
		tr, err := stores[k].Report(t.Context(), name, r)
		if err != nil {
			t.Fatalf("%s Report: %v", k, err)
		}
		if k == "memory" {
			want = tr
		} else if tr != want {
			t.Fatalf("step %d: Report %+v of ticket %+v: %s transition %+v, memory %+v", step, r, r.Ticket, k, tr, want)
		}
	}
}

func statusAll(t *testing.T, stores map[string]store.Store, name string, q store.StatusQuery, step int) {
	t.Helper()
	want, err := stores["memory"].Status(t.Context(), name, q)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"cached", "uncached"} {
		got, err := stores[k].Status(t.Context(), name, q)
		if err != nil {
			t.Fatalf("%s Status: %v", k, err)
		}
		if got.State != want.State || got.Generation != want.Generation ||
			!got.OpenUntil.Equal(want.OpenUntil) || !got.CoolingUntil.Equal(want.CoolingUntil) ||
			got.CoolReason != want.CoolReason || got.Recent != want.Recent ||
			math.Abs(got.BudgetTokens-want.BudgetTokens) > 1e-9 {
			t.Fatalf("step %d: %s status\n%+v\nmemory status\n%+v", step, k, got, want)
		}
	}
}

// sameTicket compares tickets, times by instant.
func sameTicket(a, b store.Ticket) bool {
	return a.Reason == b.Reason && a.CoolReason == b.CoolReason && a.Transition == b.Transition &&
		a.Until.Equal(b.Until) &&
		a.Breaker.Allowed == b.Breaker.Allowed && a.Breaker.Probe == b.Breaker.Probe &&
		a.Breaker.Generation == b.Breaker.Generation && a.Breaker.State == b.Breaker.State &&
		a.Breaker.Until.Equal(b.Breaker.Until)
}

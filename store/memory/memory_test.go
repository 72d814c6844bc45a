package memory_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
	"github.com/lifelinehq/lifeline/store/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return memory.New() })
}

var fp = store.Fingerprint(sha256.Sum256([]byte("body")))

// clock is a settable clock for WithNow.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func claim(t *testing.T, s *memory.Store, key string, lease time.Duration) store.ClaimState {
	t.Helper()
	return claimToken(t, s, key, lease).State
}

func claimToken(t *testing.T, s *memory.Store, key string, lease time.Duration) store.Claim {
	t.Helper()
	c, err := s.Claim(t.Context(), key, fp, lease)
	if err != nil {
		t.Fatalf("Claim(%s): %v", key, err)
	}
	return c
}

func TestEvictsOldestRecord(t *testing.T) {
	clk := &clock{now: time.Unix(1e9, 0)}
	s := memory.New(memory.WithMaxRecords(3), memory.WithNow(clk.Now))
	defer s.Close()
	tokA := claimToken(t, s, "a", time.Hour).Token
	for _, k := range []string{"b", "c"} {
		clk.Advance(time.Second)
		claim(t, s, k, time.Hour)
	}
	clk.Advance(time.Second)
	// Completing "a" makes it the newest record.
	if err := s.Complete(t.Context(), "a", tokA, store.Record{Status: 200}, time.Hour); err != nil {
		t.Fatal(err)
	}
	claim(t, s, "d", time.Hour) // evicts "b", the oldest
	for k, want := range map[string]store.ClaimState{
		"a": store.Done, "c": store.InFlight, "d": store.InFlight,
	} {
		if got := claim(t, s, k, time.Hour); got != want {
			t.Errorf("%s: state %d, want %d", k, got, want)
		}
	}
	if got := claim(t, s, "b", time.Hour); got != store.Acquired { // evicts "c"
		t.Errorf("evicted key b: state %d, want acquired", got)
	}
}

func TestEvictionWakesWaiters(t *testing.T) {
	s := memory.New(memory.WithMaxRecords(1))
	defer s.Close()
	claim(t, s, "a", time.Hour)
	done := make(chan error, 1)
	go func() { done <- s.Await(t.Context(), "a") }()
	claim(t, s, "b", time.Hour) // evicts "a", whether or not Await has started
	if err := <-done; err != nil {
		t.Fatalf("Await of an evicted key: %v", err)
	}
}

func TestExpiredRecordsAreSwept(t *testing.T) {
	clk := &clock{now: time.Unix(1e9, 0)}
	s := memory.New(memory.WithMaxRecords(4000), memory.WithNow(clk.Now))
	defer s.Close()
	// 1000 short-lived keys that are never touched again, then as many new
	// keys: the sweep paid for by these insertions removes the expired
	// ones, far below the bound of 4000.
	for i := range 1000 {
		claim(t, s, fmt.Sprint("old", i), time.Second)
	}
	clk.Advance(time.Second)
	for i := range 1000 {
		claim(t, s, fmt.Sprint("new", i), time.Hour)
	}
	if n := s.Len(); n != 1000 {
		t.Fatalf("Len = %d, want 1000: the expired keys were not swept", n)
	}
}

func TestNonPositiveDurations(t *testing.T) {
	s := memory.New()
	defer s.Close()
	if _, err := s.Claim(t.Context(), "k", fp, 0); err == nil {
		t.Error("Claim with a zero lease: no error")
	}
	tok := claimToken(t, s, "k", time.Minute).Token
	if err := s.Complete(t.Context(), "k", tok, store.Record{}, -time.Second); err == nil {
		t.Error("Complete with a negative TTL: no error")
	}
}

func TestAwaitWakesAtLeaseEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := memory.New()
		defer s.Close()
		claim(t, s, "k", 30*time.Second)
		start := time.Now()
		if err := s.Await(t.Context(), "k"); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 30*time.Second {
			t.Fatalf("Await returned after %v, want exactly the 30s lease", got)
		}
		if got := claim(t, s, "k", time.Minute); got != store.Acquired {
			t.Fatalf("state %d after the lease, want acquired", got)
		}
	})
}

func TestCloseWakesAwait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := memory.New()
		claim(t, s, "k", time.Hour)
		done := make(chan error, 1)
		go func() { done <- s.Await(context.Background(), "k") }()
		synctest.Wait()
		s.Close()
		if err := <-done; !errors.Is(err, memory.ErrClosed) {
			t.Fatalf("Await after Close: %v, want ErrClosed", err)
		}
		if _, err := s.Admit(t.Context(), "t", store.Admission{}); !errors.Is(err, memory.ErrClosed) {
			t.Fatalf("Admit after Close: %v, want ErrClosed", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	})
}

func TestCanceledContext(t *testing.T) {
	s := memory.New()
	defer s.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Admit(ctx, "t", store.Admission{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Admit with a canceled context: %v", err)
	}
}

// TestTargetsInParallel exercises the per-target locks under the race
// detector: attempts on many targets at once, each target's counts exact.
func TestTargetsInParallel(t *testing.T) {
	s := memory.New()
	defer s.Close()
	now := time.Unix(1e9, 0)
	// 4 goroutines × 100 failures trip each breaker at exactly the last one.
	cfg := breaker.Config{ConsecutiveFailures: 400, MinRequests: 1000}
	var wg sync.WaitGroup
	for i := range 8 {
		name := string(rune('a' + i))
		for range 4 {
			wg.Go(func() {
				for range 100 {
					tk, err := s.Admit(context.Background(), name, store.Admission{Now: now, Breaker: cfg})
					if err == nil {
						_, err = s.Report(context.Background(), name, store.Report{Now: now, Ticket: tk, Breaker: cfg, Outcome: breaker.Failure})
					}
					if err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	for i := range 8 {
		st, err := s.Status(t.Context(), string(rune('a'+i)), store.StatusQuery{Now: now, Breaker: cfg})
		if err != nil || st.State != breaker.Open || st.Generation != 1 {
			t.Fatalf("target %d: %+v, %v; want open (generation 1) after 400 failures", i, st, err)
		}
	}
}

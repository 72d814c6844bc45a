package redis_test

import (
	"crypto/sha256"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/budget"
	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/redis"
)

// The replica tests run several Store instances (as separate gateway
// replicas would be) on one server and one prefix.

var (
	t0 = time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	br = breaker.Config{
		Window: 10 * time.Second, MinRequests: 4, FailureRate: 0.5, ConsecutiveFailures: 3,
		Cooldown: 10 * time.Second, MaxCooldown: 35 * time.Second, HalfOpenProbes: 1, ProbeLease: 5 * time.Second,
	}
	bu = budget.Config{Ratio: 0.5}
	fp = store.Fingerprint(sha256.Sum256([]byte(`{"model":"fast"}`)))
)

// fakeClock is a settable replica clock for WithNow.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// replicas opens n stores on srv that share one prefix.
func replicas(t *testing.T, srv *redistest.Server, n int, opts ...redis.Option) []*redis.Store {
	p := prefix()
	rs := make([]*redis.Store, n)
	for i := range rs {
		rs[i] = open(t, srv, p, opts...)
	}
	return rs
}

func admit(t *testing.T, s store.Store, name string, a store.Admission) store.Ticket {
	t.Helper()
	if a.Breaker == (breaker.Config{}) {
		a.Breaker = br
	}
	a.Budget = bu
	tk, err := s.Admit(t.Context(), name, a)
	if err != nil {
		t.Fatalf("Admit: %v", err)
	}
	return tk
}

func report(t *testing.T, s store.Store, name string, r store.Report) breaker.Transition {
	t.Helper()
	r.Breaker, r.Budget = br, bu
	tr, err := s.Report(t.Context(), name, r)
	if err != nil {
		t.Fatalf("Report: %v", err)
	}
	return tr
}

// trip opens name's breaker at now with failures in a row through s.
func trip(t *testing.T, s store.Store, name string, now time.Time) {
	t.Helper()
	var tr breaker.Transition
	for range br.ConsecutiveFailures {
		tk := admit(t, s, name, store.Admission{Now: now})
		tr = report(t, s, name, store.Report{Now: now, Ticket: tk, Outcome: breaker.Failure})
	}
	if tr.To != breaker.Open {
		t.Fatalf("after %d failures: transition %+v, want → open", br.ConsecutiveFailures, tr)
	}
}

func TestProbesExactAcrossReplicas(t *testing.T) {
	srv := redistest.Start(t)
	for _, probes := range []int{1, 3} {
		clk := &fakeClock{now: time.Now()}
		rs := replicas(t, srv, 4, redis.WithNow(clk.Now))
		cfg := br
		cfg.HalfOpenProbes = probes
		// Every replica has read the target closed: its cache holds that.
		for _, r := range rs {
			if tk := admit(t, r, "t", store.Admission{Now: t0, Breaker: cfg}); !tk.Allowed() {
				t.Fatalf("first attempt: %v", tk.Reason)
			}
		}
		trip(t, rs[0], "t", t0)
		clk.Advance(redis.DefaultCacheTTL) // the cached closed state has aged out
		end := t0.Add(cfg.Cooldown)

		const perReplica = 16
		tickets := make([]store.Ticket, len(rs)*perReplica)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range tickets {
			wg.Go(func() {
				<-start
				tickets[i] = admit(t, rs[i%len(rs)], "t", store.Admission{Now: end, Breaker: cfg})
			})
		}
		close(start)
		wg.Wait()
		var admitted, transitions int
		for _, tk := range tickets {
			switch {
			case tk.Allowed() && tk.Breaker.Probe:
				admitted++
			case tk.Reason != store.Probing:
				t.Fatalf("ticket %v (probe %v), want a probe or probing", tk.Reason, tk.Breaker.Probe)
			}
			if tk.Transition.Changed() {
				transitions++
			}
		}
		if admitted != probes || transitions != 1 {
			t.Fatalf("HalfOpenProbes=%d over %d replicas: %d probes admitted, %d transitions; want %d and 1",
				probes, len(rs), admitted, transitions, probes)
		}
	}
}

// A replica answers Admit from its cache for at most DefaultCacheTTL: the
// breaker another replica opened is refused exactly from then on.
func TestOpenSeenWithinCacheTTL(t *testing.T) {
	srv := redistest.Start(t)
	clk := &fakeClock{now: time.Now()}
	rs := replicas(t, srv, 2, redis.WithNow(clk.Now))
	a, b := rs[0], rs[1]
	admit(t, b, "t", store.Admission{Now: t0}) // b caches the closed breaker
	trip(t, a, "t", t0)

	before := b.Stats()
	clk.Advance(redis.DefaultCacheTTL - time.Nanosecond)
	if tk := admit(t, b, "t", store.Admission{Now: t0}); !tk.Allowed() || b.Stats().CachedAdmits != before.CachedAdmits+1 {
		t.Fatalf("within the cache TTL: %v, cached admits %d → %d; want admitted from the cache",
			tk.Reason, before.CachedAdmits, b.Stats().CachedAdmits)
	}
	clk.Advance(time.Nanosecond)
	tk := admit(t, b, "t", store.Admission{Now: t0})
	if tk.Reason != store.Open || !tk.Until.Equal(t0.Add(br.Cooldown)) {
		t.Fatalf("at the cache TTL: %v until %v, want open until %v", tk.Reason, tk.Until, t0.Add(br.Cooldown))
	}
	// The stale ticket's outcome is not counted: its generation is gone.
	stale := store.Ticket{Reason: store.Admitted, Breaker: breaker.Ticket{Allowed: true, State: breaker.Closed}}
	if tr := report(t, b, "t", store.Report{Now: t0, Ticket: stale, Outcome: breaker.Success}); tr.Changed() {
		t.Fatalf("stale ticket's report: transition %+v", tr)
	}
	// The refusal is now answered from b's cache, without a round trip.
	rt := b.Stats().RoundTrips
	if tk := admit(t, b, "t", store.Admission{Now: t0.Add(time.Second)}); tk.Reason != store.Open || b.Stats().RoundTrips != rt {
		t.Fatalf("open breaker from the cache: %v, %d round trips", tk.Reason, b.Stats().RoundTrips-rt)
	}
}

// With real clocks, a breaker or cool-down set on one replica is refused by
// another within the promised 500 ms: every Admit that starts that long after the
// change returned must see it, however slow the machine.
func TestChangesSeenWithin500ms(t *testing.T) {
	srv := redistest.Start(t)
	const spec = 500 * time.Millisecond
	cases := []struct {
		name   string
		change func(s store.Store, now time.Time)
		want   store.SkipReason
	}{
		{"open", func(s store.Store, now time.Time) { trip(t, s, "open", now) }, store.Open},
		{"cooling", func(s store.Store, now time.Time) {
			report(t, s, "cooling", store.Report{Now: now, CoolUntil: now.Add(time.Minute), CoolReason: "rate_limited"})
		}, store.Cooling},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := replicas(t, srv, 2)
			if tk := admit(t, rs[1], c.name, store.Admission{Now: time.Now()}); !tk.Allowed() {
				t.Fatalf("first attempt: %v", tk.Reason)
			}
			c.change(rs[0], time.Now())
			changed := time.Now()
			for {
				start := time.Now()
				tk := admit(t, rs[1], c.name, store.Admission{Now: start})
				if tk.Reason == c.want {
					t.Logf("seen by an Admit that started %v after the change", start.Sub(changed))
					return
				}
				if !tk.Allowed() {
					t.Fatalf("ticket %v, want admitted or %v", tk.Reason, c.want)
				}
				if start.Sub(changed) >= spec {
					t.Fatalf("an Admit that started %v after the change still admitted", start.Sub(changed))
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
}

func TestAwaitWokenByOtherReplica(t *testing.T) {
	srv := redistest.Start(t)
	// A poll of a minute: only the wake-up message can end Await quickly.
	rs := replicas(t, srv, 2, redis.WithAwaitPoll(time.Minute))
	a, b := rs[0], rs[1]
	for _, finish := range []string{"complete", "release"} {
		t.Run(finish, func(t *testing.T) {
			key := "key-" + finish
			c, err := a.Claim(t.Context(), key, fp, time.Minute)
			if err != nil || c.State != store.Acquired {
				t.Fatalf("Claim on A: %+v, %v", c, err)
			}
			if c, err := b.Claim(t.Context(), key, fp, time.Minute); err != nil || c.State != store.InFlight {
				t.Fatalf("Claim on B: %+v, %v; want in flight", c, err)
			}
			done := make(chan error, 1)
			go func() { done <- b.Await(t.Context(), key) }()
			select {
			case err := <-done:
				t.Fatalf("Await on B returned %v while A holds the key", err)
			case <-time.After(50 * time.Millisecond):
			}
			rec := store.Record{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"id":"1"}`)}
			if finish == "complete" {
				err = a.Complete(t.Context(), key, c.Token, rec, time.Hour)
			} else {
				err = a.Release(t.Context(), key, c.Token)
			}
			if err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Await on B: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Await on B not woken by A's " + finish)
			}
			got, err := b.Claim(t.Context(), key, fp, time.Minute)
			switch {
			case err != nil:
				t.Fatal(err)
			case finish == "complete" && (got.State != store.Done || string(got.Record.Body) != `{"id":"1"}`):
				t.Fatalf("Claim on B after A completed: %+v", got)
			case finish == "release" && got.State != store.Acquired:
				t.Fatalf("Claim on B after A released: %+v", got)
			}
		})
	}
}

func TestStaleOwnerAcrossReplicas(t *testing.T) {
	srv := redistest.Start(t)
	rs := replicas(t, srv, 2)
	a, b := rs[0], rs[1]
	late, err := a.Claim(t.Context(), "k", fp, 100*time.Millisecond)
	if err != nil || late.State != store.Acquired {
		t.Fatalf("Claim on A: %+v, %v", late, err)
	}
	// A stalls past its lease; B takes the key over.
	if err := b.Await(t.Context(), "k"); err != nil {
		t.Fatal(err)
	}
	now, err := b.Claim(t.Context(), "k", fp, time.Minute)
	if err != nil || now.State != store.Acquired {
		t.Fatalf("Claim on B after A's lease: %+v, %v", now, err)
	}
	if err := a.Complete(t.Context(), "k", late.Token, store.Record{Status: 200, Body: []byte("late")}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := a.Release(t.Context(), "k", late.Token); err != nil {
		t.Fatal(err)
	}
	if c, err := a.Claim(t.Context(), "k", fp, time.Minute); err != nil || c.State != store.InFlight {
		t.Fatalf("after the late owner's Complete and Release: %+v, %v; want B's claim in flight", c, err)
	}
	if err := b.Complete(t.Context(), "k", now.Token, store.Record{Status: 200, Body: []byte("new")}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if c, _ := a.Claim(t.Context(), "k", fp, time.Minute); c.State != store.Done || string(c.Record.Body) != "new" {
		t.Fatalf("replayed record %+v, want B's", c.Record)
	}
}

func TestClosed(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, prefix())
	c, err := s.Claim(t.Context(), "k", fp, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Await(t.Context(), "k") }() // before or after Close
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-done; !errors.Is(err, redis.ErrClosed) {
		t.Fatalf("Await across Close: %v, want ErrClosed", err)
	}
	if _, err := s.Admit(t.Context(), "t", store.Admission{}); !errors.Is(err, redis.ErrClosed) {
		t.Fatalf("Admit after Close: %v", err)
	}
	if err := s.Complete(t.Context(), "k", c.Token, store.Record{}, time.Hour); !errors.Is(err, redis.ErrClosed) {
		t.Fatalf("Complete after Close: %v", err)
	}
	if err := s.Health(t.Context()); !errors.Is(err, redis.ErrClosed) {
		t.Fatalf("Health after Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

package redis_test

import (
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
	"github.com/lifelinehq/lifeline/store/redis"
)

// BenchmarkPing is the floor: one go-redis round trip to the server.
func BenchmarkPing(b *testing.B) {
	srv := redistest.Start(b)
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer c.Close()
	for range b.N {
		if err := c.Ping(b.Context()).Err(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAdmitReport measures the store's cost of one successful first
// attempt on a healthy target: Admit, then Report. For Redis it reports
// round trips per attempt too.
func BenchmarkAdmitReport(b *testing.B) {
	b.Run("memory", func(b *testing.B) {
		s := memory.New()
		defer s.Close()
		benchAttempts(b, s, nil)
	})
	b.Run("memory/parallel", func(b *testing.B) {
		s := memory.New()
		defer s.Close()
		benchParallel(b, s, nil)
	})
	variants := []struct {
		name string
		opts []redis.Option
	}{
		{"redis", nil},
		{"redis/nocache", []redis.Option{redis.WithCacheTTL(0)}},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			srv := redistest.Start(b)
			s := open(b, srv, prefix(), v.opts...)
			benchAttempts(b, s, s)
		})
		b.Run(v.name+"/parallel", func(b *testing.B) {
			srv := redistest.Start(b)
			s := open(b, srv, prefix(), v.opts...)
			benchParallel(b, s, s)
		})
	}
}

func attempt(b *testing.B, s store.Store) {
	now := time.Now()
	tk, err := s.Admit(b.Context(), "bench", store.Admission{Now: now, Breaker: br, Budget: bu})
	if err != nil || !tk.Allowed() {
		b.Fatalf("Admit: %v, %v", tk.Reason, err)
	}
	if _, err := s.Report(b.Context(), "bench", store.Report{
		Now: now, Ticket: tk, Breaker: br, Budget: bu, Outcome: breaker.Success, First: true,
	}); err != nil {
		b.Fatalf("Report: %v", err)
	}
}

func benchAttempts(b *testing.B, s store.Store, r *redis.Store) {
	attempt(b, s) // loads the scripts
	before := stats(r)
	b.ResetTimer()
	for range b.N {
		attempt(b, s)
	}
	b.StopTimer()
	reportTrips(b, r, before)
}

func benchParallel(b *testing.B, s store.Store, r *redis.Store) {
	attempt(b, s)
	before := stats(r)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			attempt(b, s)
		}
	})
	b.StopTimer()
	reportTrips(b, r, before)
}

func stats(r *redis.Store) redis.Stats {
	if r == nil {
		return redis.Stats{}
	}
	return r.Stats()
}

func reportTrips(b *testing.B, r *redis.Store, before redis.Stats) {
	if r == nil {
		return
	}
	after := r.Stats()
	b.ReportMetric(float64(after.RoundTrips-before.RoundTrips)/float64(b.N), "round-trips/op")
	b.ReportMetric(float64(after.CachedAdmits-before.CachedAdmits)/float64(b.N), "cached-admits/op")
}

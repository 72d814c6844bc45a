package redis_test

import (
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/redis"
	"github.com/lifelinehq/lifeline/store/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// open returns a store on srv with prefix, closed when tb ends. Tests that
// are not about outages use it: its timeout is long, so that a slow machine
// (the race detector on a busy host) does not fake an outage, and tb fails
// if the store ever fell back to local state.
func open(tb testing.TB, srv *redistest.Server, prefix string, opts ...redis.Option) *redis.Store {
	tb.Helper()
	var (
		mu     sync.Mutex
		outage error
	)
	opts = append([]redis.Option{
		redis.WithTimeout(10 * time.Second),
		redis.WithStateChange(func(degraded bool, err error) {
			mu.Lock()
			defer mu.Unlock()
			if degraded && outage == nil {
				outage = err
			}
		}),
	}, opts...)
	s := openRaw(tb, srv, prefix, opts...)
	tb.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if outage != nil {
			tb.Errorf("the store fell back to local state during the test: %v", outage)
		}
	})
	return s
}

// openRaw returns a store on srv with prefix and opts, closed when tb ends.
func openRaw(tb testing.TB, srv *redistest.Server, prefix string, opts ...redis.Option) *redis.Store {
	tb.Helper()
	s, err := redis.New(tb.Context(), srv.URL(), append([]redis.Option{redis.WithPrefix(prefix)}, opts...)...)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// prefix returns a key prefix no other test uses.
func prefix() string { return "lifeline-test:" + rand.Text()[:10] + ":" }

func TestConformance(t *testing.T) {
	srv := redistest.Start(t)
	t.Run("cached", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store { return open(t, srv, prefix()) })
	})
	t.Run("uncached", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store { return open(t, srv, prefix(), redis.WithCacheTTL(0)) })
	})
}

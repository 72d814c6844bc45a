package memory_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
)

// fill stores n completed answers of a small JSON body, as the gateway
// stores them (a few headers), under keys "key-0"….
func fill(b testing.TB, s *memory.Store, n int) {
	ctx := context.Background()
	body := make([]byte, 600)
	for i := range n {
		key := fmt.Sprintf("client-scope:key-%d", i)
		c, err := s.Claim(ctx, key, fp, time.Minute)
		if err != nil || c.State != store.Acquired {
			b.Fatalf("claim %d: %v %v", i, c.State, err)
		}
		rec := store.Record{Status: 200, Body: body, Header: http.Header{
			"Content-Type": {"application/json"}, "X-Lifeline-Route": {"smart"},
			"X-Lifeline-Target": {"openai/gpt-4.1"}, "X-Lifeline-Attempts": {"1"}, "X-Request-Id": {"req_0123456789ab_1"}}}
		if err := s.Complete(ctx, key, c.Token, rec, 24*time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplayLookup is the lookup of a stored answer among 1,000 and
// among 90,000 (short of DefaultMaxRecords, whose bound is kept per shard,
// so that none is evicted): it should not grow with the count.
func BenchmarkReplayLookup(b *testing.B) {
	for _, n := range []int{1_000, 90_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := memory.New()
			defer s.Close()
			fill(b, s, n)
			ctx := context.Background()
			i := 0
			for b.Loop() {
				c, _ := s.Claim(ctx, fmt.Sprintf("client-scope:key-%d", i%n), fp, time.Minute)
				if c.State != store.Done {
					b.Fatal(c.State)
				}
				i += 7919
			}
		})
	}
}

// BenchmarkFullStoreHeap reports the heap 100,000 small stored answers
// take, per record beyond its body and headers.
func BenchmarkFullStoreHeap(b *testing.B) {
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s := memory.New()
		fill(b, s, memory.DefaultMaxRecords)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/memory.DefaultMaxRecords, "heapB/record")
		runtime.KeepAlive(s)
		s.Close()
	}
}

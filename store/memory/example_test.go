package memory_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
)

// An attempt is admitted, fails with a 429 whose hint asks for ten seconds,
// and the next attempt is skipped until then.
func ExampleStore_Admit() {
	ctx := context.Background()
	s := memory.New()
	defer s.Close()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := breaker.Config{}

	tk, _ := s.Admit(ctx, "openai/gpt-4o", store.Admission{Now: now, Breaker: cfg})
	fmt.Println("first attempt:", tk.Reason)

	s.Report(ctx, "openai/gpt-4o", store.Report{
		Now: now, Ticket: tk, Breaker: cfg, Outcome: breaker.Neutral, First: true,
		CoolUntil: now.Add(10 * time.Second), CoolReason: "rate_limited",
	})

	tk, _ = s.Admit(ctx, "openai/gpt-4o", store.Admission{Now: now.Add(time.Second), Breaker: cfg})
	fmt.Println("next attempt:", tk.Reason, tk.CoolReason, "for", tk.Until.Sub(now.Add(time.Second)))
	// Output:
	// first attempt: admitted
	// next attempt: cooling rate_limited for 9s
}

// The first request with a key owns it; a duplicate with the same body
// waits for it and then gets the stored response.
func ExampleStore_Claim() {
	ctx := context.Background()
	s := memory.New()
	defer s.Close()
	fp := store.Fingerprint(sha256.Sum256([]byte(`{"model":"fast"}`)))

	first, _ := s.Claim(ctx, "key-1", fp, time.Minute)
	dup, _ := s.Claim(ctx, "key-1", fp, time.Minute)
	fmt.Println(first.State == store.Acquired, dup.State == store.InFlight)

	s.Complete(ctx, "key-1", first.Token, store.Record{
		Status: http.StatusOK,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(`{"id":"chatcmpl-1"}`),
	}, 24*time.Hour)

	s.Await(ctx, "key-1")
	dup, _ = s.Claim(ctx, "key-1", fp, time.Minute)
	fmt.Println(dup.State == store.Done, dup.Record.Status, string(dup.Record.Body))
	// Output:
	// true true
	// true 200 {"id":"chatcmpl-1"}
}

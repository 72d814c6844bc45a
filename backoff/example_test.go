package backoff_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/lifelinehq/lifeline/backoff"
)

// A policy without jitter shows the bare schedule: doubling from Base and
// flat at Cap. Real policies use Full jitter, which draws each wait
// uniformly from [0, that value].
func ExamplePolicy_Delay() {
	p := backoff.Policy{Base: 500 * time.Millisecond, Cap: 8 * time.Second, Jitter: backoff.None}
	var prev time.Duration
	for n := 1; n <= 6; n++ {
		prev = p.Delay(n, prev, nil)
		fmt.Printf("retry %d: %v\n", n, prev)
	}
	// Output:
	// retry 1: 500ms
	// retry 2: 1s
	// retry 3: 2s
	// retry 4: 4s
	// retry 5: 8s
	// retry 6: 8s
}

// A 429 from an OpenAI-style API that says which limit is spent: the
// request quota resets in 1s, so that is the wait, not the later token
// reset.
func ExampleRetryHint() {
	now := time.Date(2026, 8, 21, 12, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("x-ratelimit-remaining-requests", "0")
	h.Set("x-ratelimit-reset-requests", "1s")
	h.Set("x-ratelimit-remaining-tokens", "149984")
	h.Set("x-ratelimit-reset-tokens", "6m0s")

	hint, ok := backoff.RetryHint(h, now)
	fmt.Println(hint.Wait, hint.Source, ok)

	// A retry-after-ms header is more precise and wins.
	h.Set("retry-after-ms", "1250")
	hint, ok = backoff.RetryHint(h, now)
	fmt.Println(hint.Wait, hint.Source, ok)
	// Output:
	// 1s x-ratelimit-reset-requests true
	// 1.25s retry-after-ms true
}

// Spent lets a caller see, on any response, that a quota is used up and
// when it comes back.
func ExampleSpent() {
	now := time.Date(2026, 8, 21, 12, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("anthropic-ratelimit-tokens-remaining", "0")
	h.Set("anthropic-ratelimit-tokens-reset", "2026-08-21T12:00:20Z")

	until, ok := backoff.Spent(h, now)
	fmt.Println(until.Sub(now), ok)
	// Output: 20s true
}

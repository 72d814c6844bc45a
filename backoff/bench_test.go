package backoff_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/backoff"
)

// BenchmarkSpent reads the headers of a typical successful OpenAI answer,
// rate-limit headers included, none of them spent.
func BenchmarkSpent(b *testing.B) {
	h := http.Header{
		"Content-Type":                   {"application/json"},
		"Date":                           {"Fri, 27 Nov 2026 10:00:00 GMT"},
		"Openai-Processing-Ms":           {"312"},
		"X-Request-Id":                   {"req_123"},
		"X-Ratelimit-Limit-Requests":     {"10000"},
		"X-Ratelimit-Limit-Tokens":       {"2000000"},
		"X-Ratelimit-Remaining-Requests": {"9999"},
		"X-Ratelimit-Remaining-Tokens":   {"1999000"},
		"X-Ratelimit-Reset-Requests":     {"6ms"},
		"X-Ratelimit-Reset-Tokens":       {"30ms"},
	}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := backoff.Spent(h, now); ok {
			b.Fatal("reported a spent limit")
		}
	}
}

package lifeline_test

import (
	"errors"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/breaker"
)

// A request whose own attempt opens a target's breaker knows when that
// target may take requests again: the final 503 carries the breaker's
// cool-down as its Retry-After, as the next request's does, instead of
// leaving the client to come back at once into an open breaker.
func TestRetryAfterWhenTheRequestOpensTheBreaker(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		server := clockedReply(500, nil, `{"error":{"message":"boom","type":"server_error"}}`)
		a := up.on("a.invalid", server, server)
		f := newFixtureOn(t, up.client(), d, []string{a}, lifeline.WithMaxAttempts(1),
			lifeline.WithBreaker(breaker.Config{ConsecutiveFailures: 1, MinRequests: 1000, Cooldown: 30 * time.Second}))
		for i, want := range []string{"p0/m0:transient", ""} {
			_, _, err := f.do(false)
			var le *lifeline.Error
			if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrUpstreamUnavailable) {
				t.Fatalf("request %d: err = %v", i, err)
			}
			if want == "" {
				wantClasses(t, nil, err)
			} else {
				wantClasses(t, nil, err, want)
			}
			if le.RetryAfter < 29*time.Second || le.RetryAfter > 30*time.Second {
				t.Fatalf("request %d: RetryAfter = %v, want the open breaker's 30s", i, le.RetryAfter)
			}
		}

		// With another target that may serve at once, none.
		b := up.on("b.invalid", server, server)
		c := up.on("c.invalid", server)
		f = newFixtureOn(t, up.client(), d, []string{b, c}, lifeline.WithMaxAttempts(1),
			lifeline.WithBreaker(breaker.Config{ConsecutiveFailures: 2, MinRequests: 1000, Cooldown: 30 * time.Second}))
		_, _, err := f.do(false)
		var le *lifeline.Error
		if !errors.As(err, &le) || le.RetryAfter != 0 {
			t.Fatalf("err = %v, RetryAfter %v; want none: no breaker opened", err, le.RetryAfter)
		}
	})
}

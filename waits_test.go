package lifeline_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
)

// x-should-retry: false forbids retrying that answer on the same target,
// also an overloaded one that would be revisited when no other target is
// left.
func TestShouldRetryFalseOverloadedIsNotRevisited(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("x-should-retry", "false")
			d.Overloaded(w, r)
		}, d.Good(stream))
		b := newUpstream(t, d.Server)
		f := newFixture(t, d, []string{a.URL, b.URL}, lifeline.WithMaxAttempts(2))
		_, _, err := f.do(stream)
		if !errors.Is(err, lifeline.ErrUpstreamUnavailable) {
			t.Fatalf("err = %v", err)
		}
		wantClasses(t, nil, err, "p0/m0:overloaded", "p1/m1:transient", "p1/m1:transient")
		if a.Count() != 1 {
			t.Fatalf("the target said not to retry; called %d times", a.Count())
		}
	})
}

// A 429's reset given as a time of day (Retry-After HTTP-date, Anthropic's
// RFC 3339 resets) is on the provider's clock. When the replica's clock
// differs from it by 30 s either way, the retry still comes as long after
// the 429 as the provider asked: not at once (replica ahead), and not
// refused as a wait beyond max_wait (replica behind).
func TestRateLimitResetOnSkewedProviderClockWaitsAsAsked(t *testing.T) {
	const asked = 5 * time.Second
	for _, skew := range []time.Duration{-30 * time.Second, 30 * time.Second} {
		t.Run(fmt.Sprint("provider ", skew), func(t *testing.T) {
			inBubbles(t, func(t *testing.T, d dialect) {
				limited := func(ctx context.Context) (*http.Response, error) {
					provider := time.Now().Add(skew).Truncate(time.Second)
					h := map[string]string{"Date": provider.Format(http.TimeFormat)}
					if d.Kind == lifeline.Anthropic {
						h["anthropic-ratelimit-requests-remaining"] = "0"
						h["anthropic-ratelimit-requests-reset"] = provider.Add(asked).Format(time.RFC3339)
					} else {
						h["Retry-After"] = provider.Add(asked).Format(http.TimeFormat)
					}
					return clockedReply(429, h, rateLimitBody(d))(ctx)
				}
				up := newClocked()
				a := up.on("a.invalid", limited, clockedReply(200, nil, d.OK))
				f := newFixtureOn(t, up.client(), d, []string{a},
					lifeline.WithTimeouts(lifeline.Timeouts{Attempt: 5 * time.Second, FirstToken: 2 * time.Second, Idle: 2 * time.Second, Total: time.Minute}),
					lifeline.WithMaxWait(20*time.Second))
				start := time.Now()
				resp, _, err := f.do(false)
				wantClasses(t, resp, err, "p0/m0:wait", "p0/m0:ok")
				if el := time.Since(start); el < asked || el > asked+time.Second {
					t.Fatalf("served %v after the 429, want after the %v its reset asked for", el, asked)
				}
			})
		})
	}
}

// A hint that fits the request's deadline is waited for whatever the
// jitter draws: the jitter shrinks to leave the retry time before the
// deadline, instead of failing the request at once with deadline_exceeded
// one time in two.
func TestHintThatFitsTheDeadlineIsWaitedForWhateverTheJitter(t *testing.T) {
	const hint, left = 500 * time.Millisecond, 525 * time.Millisecond
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		a := up.on("a.invalid", clockedReply(429, map[string]string{"retry-after-ms": "500"}, rateLimitBody(d)), clockedReply(200, nil, d.OK))
		f := newFixtureWith(t, []lifeline.Option{lifeline.WithHTTPClient(up.client()), lifeline.WithRand(func() float64 { return 0.99 })},
			d, []string{a}, lifeline.WithMaxWait(time.Minute))
		ctx, cancel := context.WithTimeout(context.Background(), left)
		defer cancel()
		start := time.Now()
		resp, _, err := f.doCtx(ctx, false, nil)
		wantClasses(t, resp, err, "p0/m0:wait", "p0/m0:ok")
		if el := time.Since(start); el < hint || el >= left {
			t.Fatalf("served %v after the 429, want between the %v hint and the %v deadline", el, hint, left)
		}
	})
}

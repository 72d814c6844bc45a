package lifeline_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/lifelinehq/lifeline"
)

// A 429 without a hint is waited out with backoff and retried on the same
// target, as a 429 with a hint is: the cool-down it starts must not refuse
// the request's own retry and send it elsewhere.
func TestRateLimitWithoutHintRetriesSameTarget(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.RateLimit(nil), d.Good(stream))
		b := newUpstream(t, d.Good(stream))
		f := newFixture(t, d, []string{a.URL, b.URL})
		resp, _, err := f.do(stream)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:wait", "p0/m0:ok")
		if b.Count() != 0 {
			t.Fatal("fallback taken although the wait fit")
		}
	})
}

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

package lifeline_test

import (
	"errors"
	"net/http"
	"testing"

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

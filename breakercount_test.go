package lifeline_test

import (
	"testing"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/validate"
)

// The breaker counts transient, overloaded and invalid attempts as
// failures, and not rejected, too_large or wait ones: with a breaker that
// one failure opens, only the first three open it.
func TestBreakerCountsTransientOverloadedAndInvalidOnly(t *testing.T) {
	for _, d := range dialects {
		for _, tc := range []struct {
			class string
			opts  []lifeline.RouteOption
			opens bool
		}{
			{class: "transient", opens: true},
			{class: "overloaded", opens: true},
			{class: "invalid", opens: true, opts: []lifeline.RouteOption{lifeline.WithValidation(validate.Spec{JSON: true})}},
			{class: "rejected"},
			{class: "too_large"},
			{class: "wait"},
		} {
			t.Run(d.String()+"/"+tc.class, func(t *testing.T) {
				var up *upstream
				switch tc.class {
				case "transient":
					up = newUpstream(t, d.Server)
				case "overloaded":
					up = newUpstream(t, d.Overloaded)
				case "invalid":
					up = newUpstream(t, d.Good(false)) // plain text where JSON is required
				case "rejected":
					up = newUpstream(t, d.BadReq)
				case "too_large":
					up = newUpstream(t, d.TooLarge)
				case "wait":
					up = newUpstream(t, d.RateLimit(map[string]string{"retry-after": "0"}))
				}
				opts := append([]lifeline.RouteOption{lifeline.WithMaxAttempts(1), lifeline.WithBreaker(breakerConfig(1))}, tc.opts...)
				f := newFixture(t, d, []string{up.URL}, opts...)
				resp, _, err := f.do(false)
				wantClasses(t, resp, err, "p0/m0:"+tc.class)
				opened := false
				for _, ev := range f.events.Kind(lifeline.BreakerChanged) {
					opened = opened || ev.To == breaker.Open
				}
				if opened != tc.opens {
					t.Fatalf("a %s attempt opened the breaker: %v, want %v", tc.class, opened, tc.opens)
				}
			})
		}
	}
}

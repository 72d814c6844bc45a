package lifeline_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/validate"
)

// A forwarded stream that is validated at its end keeps its text for the
// check: that text is bounded like a whole answer (WithMaxResponse), so an
// upstream that streams content without end cannot make the engine hold
// it all. Past the bound the stream breaks, with its error event last.
func TestValidatedStreamIsBoundedLikeAnAnswer(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			const limit = 1 << 20
			big := strings.Replace(d.Stream[d.Opening], "hel", strings.Repeat("y", 64<<10), 1)
			evs := slices.Clone(d.Stream[:d.Opening+1])
			for range 2 * limit / (64 << 10) {
				evs = append(evs, big)
			}
			evs = append(evs, d.Stream[d.Opening+2:]...)
			a := newUpstream(t, events(evs, false))
			f := newFixtureWith(t, []lifeline.Option{lifeline.WithMaxResponse(limit)}, d, []string{a.URL},
				lifeline.WithMaxAttempts(1), lifeline.WithStreamMode(lifeline.StreamPass),
				lifeline.WithValidation(validate.Spec{NonEmpty: true}))
			_, body, err := f.do(true)
			if !errors.Is(err, lifeline.ErrBrokenStream) {
				t.Fatalf("err = %v, want a broken stream", err)
			}
			if last := body[strings.LastIndex(body, "data: "):]; !strings.Contains(last, "exceeds") {
				t.Errorf("the stream's last event does not say it exceeds the bound: %q", last[:min(len(last), 300)])
			}
		})
	}
}

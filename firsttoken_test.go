package lifeline_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
)

// The first-token bound of a stream runs from the attempt's start to its
// first content event: slow headers and a slow first token that each fit
// the bound but together overrun it end the attempt.
func TestStreamFirstTokenBoundCountsFromAttemptStart(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		delays := make([]time.Duration, len(d.Stream))
		delays[d.Opening] = 6 * time.Second // the first content event
		slow := up.on("slow.invalid", timedEvents(6*time.Second, d.Stream, delays, false))
		fast := up.on("fast.invalid", timedEvents(0, d.Stream, make([]time.Duration, len(d.Stream)), false))
		f := newFixtureOn(t, up.client(), d, []string{slow, fast}, lifeline.WithMaxAttempts(1),
			lifeline.WithTimeouts(lifeline.Timeouts{FirstToken: 10 * time.Second, Idle: time.Minute, Total: time.Hour}))
		start := time.Now()
		resp, _, err := f.do(true)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:transient", "p1/m1:ok")
		if !strings.Contains(resp.Attempts[0].Err, "first-token") {
			t.Fatalf("attempt error = %q", resp.Attempts[0].Err)
		}
		if el := time.Since(start); el != 10*time.Second {
			t.Fatalf("served after %v, want the first attempt cut at 10s", el)
		}
	})
}

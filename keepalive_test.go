package lifeline_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
)

// keepAlive is the SSE comment some servers (OpenRouter) send while the
// model has not started answering.
const keepAlive = ": OPENROUTER PROCESSING\n\n"

// withKeepAlives returns evs with n keep-alive comments inserted before
// event at, and a delay of gap before each of them.
func withKeepAlives(evs []string, at, n int, gap time.Duration) ([]string, []time.Duration) {
	var out []string
	var delays []time.Duration
	for i, e := range evs {
		if i == at {
			for range n {
				out, delays = append(out, keepAlive), append(delays, gap)
			}
		}
		out, delays = append(out, e), append(delays, 0)
	}
	return out, delays
}

// Before the first content event, a server's keep-alive comments show it
// is at work: the idle bound waits on from each, and the first-token bound
// alone limits the wait for the model's first token. After the first
// content event only events count: comments do not hide a stalled answer.
func TestKeepAliveCommentsBeforeTheFirstToken(t *testing.T) {
	const idle = 2 * time.Second
	timeouts := lifeline.WithTimeouts(lifeline.Timeouts{FirstToken: time.Minute, Idle: idle, Total: time.Hour})
	t.Run("before", func(t *testing.T) {
		inBubbles(t, func(t *testing.T, d dialect) {
			up := newClocked()
			// Six keep-alives a second apart: three idle bounds in all.
			evs, delays := withKeepAlives(d.Stream, 0, 6, time.Second)
			f := newFixtureOn(t, up.client(), d, []string{up.on("slow.invalid", timedEvents(0, evs, delays, false))},
				lifeline.WithMaxAttempts(1), timeouts)
			start := time.Now()
			resp, body, err := f.do(true)
			if err != nil {
				t.Fatalf("a stream whose server sent keep-alives was cut: %v", err)
			}
			wantClasses(t, resp, err, "p0/m0:ok")
			if body != strings.Join(d.Stream, "") {
				t.Fatalf("body = %q, want the events without the comments", body)
			}
			if el := time.Since(start); el != 6*time.Second {
				t.Fatalf("served after %v, want 6s", el)
			}
		})
	})
	t.Run("after", func(t *testing.T) {
		inBubbles(t, func(t *testing.T, d dialect) {
			up := newClocked()
			evs, delays := withKeepAlives(d.Stream, d.Opening+1, 6, time.Second)
			f := newFixtureOn(t, up.client(), d, []string{up.on("stalled.invalid", timedEvents(0, evs, delays, false))},
				lifeline.WithMaxAttempts(1), timeouts)
			_, body, err := f.do(true)
			if err == nil && !strings.Contains(body, "idle") {
				t.Fatalf("a stream stalled after its first content event behind keep-alives was not cut: %q", body)
			}
		})
	})
}

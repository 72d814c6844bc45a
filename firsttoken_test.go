package lifeline_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/wire"
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

// A stream's FirstToken is when the caller could read its first content
// event: for a buffered stream, when the stream was validated and released
// (its end), and after a fallback, the content of the target that served
// it, not that of an attempt that failed before anything was released.
func TestStreamFirstTokenIsWhenTheCallerGetsIt(t *testing.T) {
	everySecond := func(n int) []time.Duration {
		d := make([]time.Duration, n)
		for i := range d {
			d[i] = time.Second
		}
		return d
	}
	for _, tc := range []struct {
		name string
		mode lifeline.StreamMode
		cut  bool // the first target's stream ends after its first content event
		want func(d dialect) time.Duration
	}{
		{"pass", lifeline.StreamPass, false, func(d dialect) time.Duration { return time.Duration(d.Opening+1) * time.Second }},
		{"buffer", lifeline.StreamBuffer, false, func(d dialect) time.Duration { return time.Duration(len(d.Stream)) * time.Second }},
		{"buffer after a fallback", lifeline.StreamBuffer, true, func(d dialect) time.Duration {
			return time.Duration(d.Opening+1+len(d.Stream)) * time.Second
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inBubbles(t, func(t *testing.T, d dialect) {
				up := newClocked()
				var urls []string
				if tc.cut {
					head := d.Stream[:d.Opening+1]
					urls = append(urls, up.on("cut.invalid", timedEvents(0, head, everySecond(len(head)), false)))
				}
				urls = append(urls, up.on("whole.invalid", timedEvents(0, d.Stream, everySecond(len(d.Stream)), false)))
				f := newFixtureOn(t, up.client(), d, urls, lifeline.WithMaxAttempts(1), lifeline.WithStreamMode(tc.mode),
					lifeline.WithTimeouts(lifeline.Timeouts{FirstToken: time.Minute, Idle: time.Minute, Total: time.Hour}))
				if _, _, err := f.do(true); err != nil {
					t.Fatal(err)
				}
				fin := f.events.Kind(lifeline.RequestFinished)
				if len(fin) != 1 {
					t.Fatalf("%d RequestFinished events", len(fin))
				}
				if got, want := fin[0].FirstToken, tc.want(d); got != want {
					t.Fatalf("FirstToken = %v, want %v", got, want)
				}
			})
		})
	}
}

// An OpenAI stream whose first output is in a delta member other than
// content, refusal or tool calls (audio, the reasoning of compatible
// servers, a member added later) meets the first-token bound with it and
// reaches the client as it comes: a long reasoning phase is not cut as a
// first-token timeout.
func TestStreamFirstTokenOpenAIOtherDeltaMembers(t *testing.T) {
	const chunk = `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":%s,"finish_reason":%s}]}` + "\n\n"
	for _, member := range []string{
		`{"reasoning_content":"Let me think"}`,
		`{"reasoning":"Let me think"}`,
		`{"audio":{"id":"audio_1","transcript":"Hel"}}`,
		`{"future_output":{"x":1}}`,
	} {
		t.Run(member, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				evs := []string{
					fmt.Sprintf(chunk, `{"role":"assistant","content":null}`, "null"),
					fmt.Sprintf(chunk, member, "null"),
					fmt.Sprintf(chunk, member, "null"),
					fmt.Sprintf(chunk, member, "null"),
					fmt.Sprintf(chunk, `{"content":"answer"}`, "null"),
					fmt.Sprintf(chunk, `{}`, `"stop"`),
					"data: [DONE]\n\n",
				}
				delays := []time.Duration{0, 6 * time.Second, 6 * time.Second, 6 * time.Second, 0, 0, 0}
				up := newClocked()
				u := up.on("slow.invalid", timedEvents(0, evs, delays, false))
				f := newFixtureOn(t, up.client(), openaiD, []string{u}, lifeline.WithMaxAttempts(1),
					lifeline.WithTimeouts(lifeline.Timeouts{FirstToken: 10 * time.Second, Idle: time.Minute, Total: time.Hour}))
				start := time.Now()
				resp, err := f.engine.Do(context.Background(), f.route, &lifeline.Request{Dialect: wire.OpenAI, Body: []byte(openaiD.StreamRequest())})
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Stream.Close()
				first, err := resp.Stream.Next()
				if err != nil {
					t.Fatal(err)
				}
				if el := time.Since(start); el != 6*time.Second || !strings.Contains(string(first), member) {
					t.Fatalf("after %v, first bytes %q; want the first output at 6s", el, first)
				}
				var rest strings.Builder
				for {
					b, err := resp.Stream.Next()
					rest.Write(b)
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("stream: %v (attempts %+v)", err, resp.Attempts)
					}
				}
				if !strings.Contains(rest.String(), `"answer"`) || !strings.HasSuffix(rest.String(), "data: [DONE]\n\n") {
					t.Fatalf("rest of the stream: %q", rest.String())
				}
			})
		})
	}
}

package lifeline_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/wire"
)

// Some servers and proxies end a stream right after the last field of its
// terminal event, without the blank line that closes the event (Open WebUI
// Pipelines ends its streams with a bare "data: [DONE]"). The terminal event
// arrived whole, so the answer is complete: it is served as a clean end, the
// event closed for the client. A terminal event cut inside its data, or an
// Anthropic message_stop without its data line, is still a cut stream.
func TestTerminalEventWithoutBlankLine(t *testing.T) {
	for _, d := range dialects {
		whole := strings.TrimRight(d.Stream[len(d.Stream)-1], "\n")
		cases := []struct {
			name, end string
			whole     bool
		}{
			{"one newline", whole + "\n", true},
			{"no newline", whole, true},
			{"cut in data", whole[:len(whole)-3], false},
		}
		if d.Kind == wire.Anthropic {
			cases = append(cases, struct {
				name, end string
				whole     bool
			}{"name only", "event: message_stop\n", false})
		}
		for _, tc := range cases {
			for _, mode := range []lifeline.StreamMode{lifeline.StreamPass, lifeline.StreamBuffer} {
				t.Run(d.String()+"/"+tc.name+"/"+mode.String(), func(t *testing.T) {
					evs := append(append([]string{}, d.Stream[:len(d.Stream)-1]...), tc.end)
					a := newUpstream(t, events(evs, false))
					b := newUpstream(t, d.Good(true))
					f := newFixture(t, d, []string{a.URL, b.URL}, lifeline.WithMaxAttempts(1), lifeline.WithStreamMode(mode))
					resp, body, err := f.do(true)
					switch {
					case tc.whole:
						if err != nil {
							t.Fatal(err)
						}
						wantClasses(t, resp, err, "p0/m0:ok")
						if want := strings.Join(d.Stream, ""); body != want {
							t.Fatalf("client got\n%q\nwant\n%q", body, want)
						}
					case mode == lifeline.StreamBuffer:
						if err != nil {
							t.Fatal(err)
						}
						wantClasses(t, resp, err, "p0/m0:transient", "p1/m1:ok")
					default:
						if !errors.Is(err, lifeline.ErrBrokenStream) {
							t.Fatalf("err = %v, want a broken stream", err)
						}
					}
				})
			}
		}
	}
}

// A stream that closes cleanly after its content but without its terminal
// event (message_stop, data: [DONE]) is cut, and what the client and the
// logs read says so in those words, not as a bare "unexpected EOF" that
// reads like a dropped connection (nor quoting the event, which a client
// scanning the error event for [DONE] could take for a clean end): the
// error event that ends the client's stream and the error Next returns.
// (Before the first byte, TestStreamCutWithoutTerminalEventIsTransient
// checks the attempt's error.)
func TestStreamWithoutTerminalEventSaysSo(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			a := newUpstream(t, events(d.Stream[:len(d.Stream)-1], false))
			f := newFixture(t, d, []string{a.URL}, lifeline.WithMaxAttempts(1), lifeline.WithStreamMode(lifeline.StreamPass))
			_, body, err := f.do(true)
			if !errors.Is(err, lifeline.ErrBrokenStream) || !strings.Contains(err.Error(), noTerminalEvent) {
				t.Fatalf("err = %v, want a broken stream that says %q", err, noTerminalEvent)
			}
			if !strings.Contains(body, "stream broken after first byte: "+noTerminalEvent) {
				t.Fatalf("the client's last event does not say %q:\n%s", noTerminalEvent, body)
			}
		})
	}
}

package gateway_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/validate"
	"github.com/lifelinehq/lifeline/wire"
)

// Every row of the failure taxonomy, through the gateway over real
// listeners: both dialects, streaming and not.

const answerSchema = `{"type":"object","required":["answer"],"properties":{"answer":{"type":"string"}}}`

func TestOKPassesTheAnswerThrough(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Good(stream))
		g := newGW(t, d, []string{a.URL})
		ans := g.send(d, stream)
		wantServed(t, ans, "p0/m0", 1)
		if ans.body != d.okText(stream) {
			t.Fatalf("answer changed on the way:\n%s\nwant\n%s", ans.body, d.okText(stream))
		}
		wantType := "application/json"
		if stream {
			wantType = "text/event-stream"
		}
		if ct := ans.header.Get("Content-Type"); !strings.HasPrefix(ct, wantType) {
			t.Fatalf("Content-Type %q, want %s", ct, wantType)
		}
		if body := a.Requests()[0].Body; !strings.Contains(body, `"model":"m0"`) {
			t.Fatalf("upstream got %s; want the route's model m0", body)
		}
	})
}

func TestInvalidOutputFallsBack(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		for _, tc := range []struct {
			name string
			opts []lifeline.RouteOption
			body string
		}{
			{"route schema", []lifeline.RouteOption{lifeline.WithValidation(validate.Spec{Schema: []byte(answerSchema)})}, d.Body(stream)},
			{"request schema", nil, d.withSchema(d.Body(stream), answerSchema)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				// "hello" is not JSON: the first target's answer is invalid.
				a := newUpstream(t, d.Good(stream))
				b := newUpstream(t, d.jsonAnswer(stream))
				g := newGW(t, d, []string{a.URL, b.URL}, tc.opts...)
				ans := g.post(d.path, tc.body)
				wantServed(t, ans, "p1/m1", 2)
				g.wantAttempts(ans, "p0/m0:invalid", "p1/m1:ok")
				if strings.Contains(ans.body, "hel") || !strings.Contains(ans.body, "answer") {
					t.Fatalf("client got %s", ans.body)
				}
				if a.Count() != 1 {
					t.Fatalf("an invalid answer was retried on its target: %d calls", a.Count())
				}
			})
		}
	})
}

func TestInvalidEverywhereIs502(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Good(stream))
		b := newUpstream(t, d.Good(stream))
		g := newGW(t, d, []string{a.URL, b.URL}, lifeline.WithValidation(validate.Spec{JSON: true}))
		ans := g.send(d, stream)
		e := wantError(t, d, ans, 502, "invalid_output")
		wantClasses(t, e, "p0/m0:invalid", "p1/m1:invalid")
		if strings.Contains(ans.body, "hello") {
			t.Fatalf("the invalid answer leaked into the error: %s", ans.body)
		}
	})
}

func TestRateLimitWaitsForTheHintThenRetriesTheSameTarget(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.RateLimit(map[string]string{"retry-after-ms": "40"}), d.Good(stream))
		b := newUpstream(t, d.Good(stream))
		g := newGW(t, d, []string{a.URL, b.URL})
		ans := g.send(d, stream)
		wantServed(t, ans, "p0/m0", 2)
		g.wantAttempts(ans, "p0/m0:wait", "p0/m0:ok")
		reqs := a.Requests()
		if gap := reqs[1].At.Sub(reqs[0].At); gap < 40*time.Millisecond {
			t.Fatalf("retried after %v, before the 40ms hint", gap)
		}
		if b.Count() != 0 {
			t.Fatal("fell back although the wait fit")
		}
	})
}

func TestRateLimitBeyondMaxWaitGoesNextAndCoolsTheTarget(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.RateLimit(map[string]string{"retry-after": "120"}))
		b := newUpstream(t, d.Good(stream))
		g := newGW(t, d, []string{a.URL, b.URL}, lifeline.WithMaxWait(time.Second))
		start := time.Now()
		ans := g.send(d, stream)
		wantServed(t, ans, "p1/m1", 2)
		g.wantAttempts(ans, "p0/m0:wait", "p1/m1:ok")
		if el := time.Since(start); el > 900*time.Millisecond {
			t.Fatalf("took %v: waited before falling back", el)
		}
		ans = g.send(d, stream)
		wantServed(t, ans, "p1/m1", 1)
		if a.Count() != 1 {
			t.Fatalf("the cooling target was called %d times", a.Count())
		}
	})
}

func TestQuotaExhaustedGoesNextWithoutRetry(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Quota)
		b := newUpstream(t, d.Good(stream))
		g := newGW(t, d, []string{a.URL, b.URL})
		for i := range 3 {
			ans := g.send(d, stream)
			if i == 0 {
				wantServed(t, ans, "p1/m1", 2)
				g.wantAttempts(ans, "p0/m0:exhausted", "p1/m1:ok")
			} else {
				wantServed(t, ans, "p1/m1", 1)
			}
		}
		if a.Count() != 1 {
			t.Fatalf("exhausted target called %d times, want 1 (quota cool-down)", a.Count())
		}
	})
}

func TestOverloadedGoesNextAtOnce(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Overloaded)
		b := newUpstream(t, d.Good(stream))
		g := newGW(t, d, []string{a.URL, b.URL})
		ans := g.send(d, stream)
		wantServed(t, ans, "p1/m1", 2)
		g.wantAttempts(ans, "p0/m0:overloaded", "p1/m1:ok")
		if ans.body != d.okText(stream) {
			t.Fatalf("body %s", ans.body)
		}
	})
}

func TestOverloadedEventInsideStreamReroutesInvisibly(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		evs := append(append([]string{}, d.Stream[:d.Opening]...), d.ErrorEvent("overloaded_error"))
		a := newUpstream(t, events(evs, false))
		b := newUpstream(t, d.Good(true))
		g := newGW(t, d, []string{a.URL, b.URL})
		ans := g.send(d, true)
		wantServed(t, ans, "p1/m1", 2)
		g.wantAttempts(ans, "p0/m0:overloaded", "p1/m1:ok")
		if ans.body != d.okText(true) {
			t.Fatalf("client saw the failed attempt:\n%s", ans.body)
		}
		if n := openings(d, ans.body); n != 1 {
			t.Fatalf("client saw %d opening events, want exactly 1:\n%s", n, ans.body)
		}
	})
}

// openings counts a stream's message_start events (Anthropic) or chunks
// that carry the assistant role (OpenAI).
func openings(d dialect, body string) int {
	if d.Kind == wire.Anthropic {
		return strings.Count(body, "event: message_start\n")
	}
	return strings.Count(body, `"delta":{"role":"assistant"`)
}

func TestTransientRetriesThenGoesNext(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		t.Run("server error", func(t *testing.T) {
			a := newUpstream(t, d.Server)
			b := newUpstream(t, d.Good(stream))
			g := newGW(t, d, []string{a.URL, b.URL})
			ans := g.send(d, stream)
			wantServed(t, ans, "p1/m1", 4)
			g.wantAttempts(ans, "p0/m0:transient", "p0/m0:transient", "p0/m0:transient", "p1/m1:ok")
		})
		t.Run("connection refused", func(t *testing.T) {
			b := newUpstream(t, d.Good(stream))
			g := newGW(t, d, []string{refusedURL(t), b.URL}, lifeline.WithMaxAttempts(2))
			ans := g.send(d, stream)
			wantServed(t, ans, "p1/m1", 3)
			g.wantAttempts(ans, "p0/m0:transient", "p0/m0:transient", "p1/m1:ok")
		})
		t.Run("hang before headers", func(t *testing.T) {
			a := newUpstream(t, hang())
			b := newUpstream(t, d.Good(stream))
			g := newGW(t, d, []string{a.URL, b.URL}, lifeline.WithMaxAttempts(2),
				lifeline.WithTimeouts(lifeline.Timeouts{FirstToken: 300 * time.Millisecond, Total: 20 * time.Second}))
			ans := g.send(d, stream)
			wantServed(t, ans, "p1/m1", 3)
			g.wantAttempts(ans, "p0/m0:transient", "p0/m0:transient", "p1/m1:ok")
			wantAttemptError(t, g, ans, "first-token")
		})
	})
}

func TestStreamFailureBeforeContentRetriesThenGoesNext(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		for _, tc := range []struct {
			name    string
			beh     behaviour
			opts    []lifeline.RouteOption
			errPart string
		}{
			{"stall before content", events(d.Stream[:d.Opening], true),
				[]lifeline.RouteOption{lifeline.WithTimeouts(lifeline.Timeouts{Idle: 300 * time.Millisecond, Total: 20 * time.Second})}, "idle"},
			{"cut before content", events(d.Stream[:d.Opening], false), nil, "without its terminal event"},
			{"cut without terminal event, buffered", events(d.Stream[:len(d.Stream)-1], false),
				[]lifeline.RouteOption{lifeline.WithStreamMode(lifeline.StreamBuffer)}, "without its terminal event"},
			{"server error event", events(append(append([]string{}, d.Stream[:d.Opening]...), d.ErrorEvent(errorType(d))), false), nil, "boom"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := newUpstream(t, tc.beh)
				b := newUpstream(t, d.Good(true))
				g := newGW(t, d, []string{a.URL, b.URL}, append(tc.opts, lifeline.WithMaxAttempts(2))...)
				ans := g.send(d, true)
				wantServed(t, ans, "p1/m1", 3)
				g.wantAttempts(ans, "p0/m0:transient", "p0/m0:transient", "p1/m1:ok")
				wantAttemptError(t, g, ans, tc.errPart)
				if ans.body != d.okText(true) {
					t.Fatalf("client saw the failed attempts:\n%s", ans.body)
				}
			})
		}
	})
}

func errorType(d dialect) string {
	if d.Kind == wire.Anthropic {
		return "api_error"
	}
	return "server_error"
}

// wantAttemptError checks that the first attempt's error mentions part.
func wantAttemptError(t *testing.T, g *harness, ans answer, part string) {
	t.Helper()
	id := ans.header.Get("X-Request-Id")
	for _, ev := range g.rec.Kind(lifeline.AttemptFinished) {
		if ev.RequestID == id {
			if ev.Err == nil || !strings.Contains(ev.Err.Error(), part) {
				t.Fatalf("first attempt's error = %v, want it to mention %q", ev.Err, part)
			}
			return
		}
	}
	t.Fatal("no attempt events")
}

func TestRejectedReturnsTheProvidersErrorWithoutRetryOrFallback(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.BadReq)
		b := newUpstream(t, d.Good(stream))
		g := newGW(t, d, []string{a.URL, b.URL})
		ans := g.send(d, stream)
		e := wantError(t, d, ans, 400, "invalid_request_error")
		wantClasses(t, e, "p0/m0:rejected")
		want := "Invalid value for 'temperature'"
		if d.Kind == wire.Anthropic {
			want = "max_tokens: Field required"
		}
		if e.Message != want {
			t.Fatalf("message %q, want the provider's %q", e.Message, want)
		}
		if a.Count() != 1 || b.Count() != 0 {
			t.Fatalf("calls a=%d b=%d, want 1 and 0", a.Count(), b.Count())
		}
	})
}

func TestTooLargeGoesNextElseReturnsTheError(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.TooLarge)
		b := newUpstream(t, d.Good(stream))
		g := newGW(t, d, []string{a.URL, b.URL})
		ans := g.send(d, stream)
		wantServed(t, ans, "p1/m1", 2)
		g.wantAttempts(ans, "p0/m0:too_large", "p1/m1:ok")

		only := newGW(t, d, []string{a.URL})
		ans = only.send(d, stream)
		e := wantError(t, d, ans, 400, "invalid_request_error")
		wantClasses(t, e, "p0/m0:too_large")
		if !strings.Contains(e.Message, "context length") && !strings.Contains(e.Message, "prompt is too long") {
			t.Fatalf("message %q is not the provider's", e.Message)
		}
	})
}

func TestAuthAndNotFoundGoNextWithoutRetry(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Auth)
		b := newUpstream(t, d.NotFound)
		c := newUpstream(t, d.Good(stream))
		g := newGW(t, d, []string{a.URL, b.URL, c.URL})
		ans := g.send(d, stream)
		wantServed(t, ans, "p2/m2", 3)
		g.wantAttempts(ans, "p0/m0:auth", "p1/m1:not_found", "p2/m2:ok")
	})
}

func TestShouldRetryHeaderOverrides(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		// false: a 500 moves to the next target instead of a retry.
		a := newUpstream(t, withHeader(d.Server, "x-should-retry", "false"))
		b := newUpstream(t, d.Good(stream))
		g := newGW(t, d, []string{a.URL, b.URL})
		ans := g.send(d, stream)
		wantServed(t, ans, "p1/m1", 2)
		g.wantAttempts(ans, "p0/m0:transient", "p1/m1:ok")

		// true: a 401 is retried on the same target.
		c := newUpstream(t, withHeader(d.Auth, "x-should-retry", "true"), d.Good(stream))
		g = newGW(t, d, []string{c.URL})
		ans = g.send(d, stream)
		wantServed(t, ans, "p0/m0", 2)
		g.wantAttempts(ans, "p0/m0:auth", "p0/m0:ok")

		// true never makes a rejected request retryable.
		r := newUpstream(t, withHeader(d.BadReq, "x-should-retry", "true"))
		g = newGW(t, d, []string{r.URL})
		wantError(t, d, g.send(d, stream), 400, "invalid_request_error")
		if r.Count() != 1 {
			t.Fatalf("a rejected request was sent %d times", r.Count())
		}
	})
}

func TestBrokenStreamEndsWithAnErrorEvent(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		head := d.Stream[:d.Opening+1] // content reached the client
		for _, tc := range []struct {
			name string
			beh  behaviour
			opts []lifeline.RouteOption
		}{
			{"stall", events(head, true), []lifeline.RouteOption{lifeline.WithTimeouts(lifeline.Timeouts{Idle: 300 * time.Millisecond, Total: 20 * time.Second})}},
			{"cut", events(d.Stream[:d.Opening+2], false), nil},
			{"error event", events(append(append([]string{}, head...), d.ErrorEvent(errorType(d))), false), nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := newUpstream(t, tc.beh)
				b := newUpstream(t, d.Good(true))
				g := newGW(t, d, []string{a.URL, b.URL}, tc.opts...)
				ans := g.send(d, true)
				if ans.status != 200 || !strings.HasPrefix(ans.body, strings.Join(head, "")) {
					t.Fatalf("status %d; the stream does not start with what the upstream sent:\n%s", ans.status, ans.body)
				}
				wantErrorEventLast(t, d, ans.body)
				if a.Count() != 1 || b.Count() != 0 {
					t.Fatalf("a broken stream was retried: calls a=%d b=%d", a.Count(), b.Count())
				}
				if ev, ok := g.rec.Finished(ans.header.Get("X-Request-Id")); !ok || ev.Class.String() != "broken_stream" {
					t.Fatalf("request finished as %v, want broken_stream", ev.Class)
				}
			})
		}
	})
}

// wantErrorEventLast checks that a stream ends with a well-formed error
// event in the client's dialect and no clean end.
func wantErrorEventLast(t *testing.T, d dialect, body string) {
	t.Helper()
	if strings.Contains(body, "[DONE]") || strings.Contains(body, "message_stop") {
		t.Fatalf("a broken stream ended cleanly:\n%s", body)
	}
	if !strings.HasSuffix(body, "\n\n") {
		t.Fatalf("the last event is not terminated:\n%q", body)
	}
	evs := strings.Split(strings.TrimSuffix(body, "\n\n"), "\n\n")
	last := evs[len(evs)-1]
	var data string
	switch d.Kind {
	case wire.Anthropic:
		rest, ok := strings.CutPrefix(last, "event: error\ndata: ")
		if !ok {
			t.Fatalf("last event %q is not an Anthropic error event", last)
		}
		data = rest
	default:
		rest, ok := strings.CutPrefix(last, "data: ")
		if !ok || !strings.HasPrefix(rest, `{"error":`) {
			t.Fatalf(`last event %q is not an OpenAI data: {"error":…} event`, last)
		}
		data = rest
	}
	var v struct {
		Type  string `json:"type"`
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(data), &v); err != nil || v.Error.Message == "" || v.Error.Type == "" {
		t.Fatalf("error event data %q is not a well-formed error (%v)", data, err)
	}
	if d.Kind == wire.Anthropic && v.Type != "error" {
		t.Fatalf(`Anthropic error event lacks "type":"error": %s`, data)
	}
}

func TestMixedDialectChainTranslates(t *testing.T) {
	for _, tc := range []struct {
		client, up dialect
	}{{openaiD, anthropicD}, {anthropicD, openaiD}} {
		for _, stream := range []bool{false, true} {
			name := tc.client.String() + "-to-" + tc.up.String()
			if stream {
				name += "/stream"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				a := newUpstream(t, tc.client.Server)
				b := newUpstream(t, tc.up.Good(stream))
				links := []link{{kind: tc.client.Kind, url: a.URL}, {kind: tc.up.Kind, url: b.URL}}
				g := startGW(t, gateway.Config{Routes: []gateway.RouteSpec{route("route", links, lifeline.WithMaxAttempts(1))}})
				ans := g.send(tc.client, stream)
				wantServed(t, ans, "p1/m1", 2)
				if !strings.Contains(ans.body, "hel") {
					t.Fatalf("the answer's text is lost: %s", ans.body)
				}
				if stream {
					end := "data: [DONE]"
					if tc.client.Kind == wire.Anthropic {
						end = "event: message_stop"
					}
					if !strings.Contains(ans.body, end) || openings(tc.client, ans.body) != 1 {
						t.Fatalf("not a whole %s stream:\n%s", tc.client, ans.body)
					}
				} else {
					var v map[string]any
					if err := json.Unmarshal([]byte(ans.body), &v); err != nil {
						t.Fatal(err)
					}
					if (tc.client.Kind == wire.OpenAI && v["choices"] == nil) || (tc.client.Kind == wire.Anthropic && v["content"] == nil) {
						t.Fatalf("answer not in the %s dialect: %s", tc.client, ans.body)
					}
				}
				if up := b.Requests()[0]; tc.up.Kind == wire.Anthropic && up.Header.Get("X-Api-Key") != anthropicKey ||
					tc.up.Kind == wire.OpenAI && up.Header.Get("Authorization") != "Bearer "+openaiKey {
					t.Fatal("the translated request lacks the provider's credentials")
				}
			})
		}
	}
}

package gateway_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/validate"
	"github.com/lifelinehq/lifeline/wire"
)

// Taxonomy rows whose signal comes in several shapes, through the gateway:
// each shape from an upstream of either dialect, for a client of either
// dialect, streaming or not, with the next target of the other dialect.

// overloadedReply is an answer of status whose body says overloaded, in
// u's error shape.
func overloadedReply(u dialect, status int) behaviour {
	if u.Kind == wire.Anthropic {
		return reply(status, nil, `{"type":"error","error":{"type":"api_error","message":"Overloaded"}}`)
	}
	return reply(status, nil, `{"error":{"message":"The server is overloaded, please try again later","type":"server_error","code":null}}`)
}

// wantWholeAnswer checks that a served answer is a whole answer in the
// client's dialect saying "hello": one opening and a clean end for a
// stream.
func wantWholeAnswer(t *testing.T, client dialect, stream bool, ans answer) {
	t.Helper()
	if !strings.Contains(ans.body, "hel") || !strings.Contains(ans.body, "lo") {
		t.Fatalf("the answer's text is lost: %s", ans.body)
	}
	if !stream {
		if (client.Kind == wire.OpenAI) != strings.Contains(ans.body, `"choices"`) {
			t.Fatalf("answer not in the %s dialect: %s", client, ans.body)
		}
		return
	}
	end := "data: [DONE]\n\n"
	if client.Kind == wire.Anthropic {
		end = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
	}
	if !strings.HasSuffix(ans.body, end) || openings(client, ans.body) != 1 {
		t.Fatalf("not one whole %s stream:\n%s", client, ans.body)
	}
}

// wantServedByTheOtherDialect checks that a client's request to a route of
// the upstream at url, of dialect up, then a good upstream of the other
// dialect is served whole by the second, after one attempt of class on the
// first.
func wantServedByTheOtherDialect(t *testing.T, client dialect, stream bool, up dialect, url, class string) {
	t.Helper()
	b := newUpstream(t, other(up).Good(stream))
	links := []link{{kind: up.Kind, url: url}, {kind: other(up).Kind, url: b.URL}}
	g := startGW(t, gateway.Config{Routes: []gateway.RouteSpec{route("route", links)}})
	ans := g.send(client, stream)
	wantServed(t, ans, "p1/m1", 2)
	g.wantAttempts(ans, "p0/m0:"+class, "p1/m1:ok")
	wantWholeAnswer(t, client, stream, ans)
}

func TestOverloadedInEveryShapeGoesNextAtOnce(t *testing.T) {
	modes(t, func(t *testing.T, client dialect, stream bool) {
		for _, up := range dialects {
			shapes := []struct {
				name string
				beh  behaviour
			}{
				{"529", overloadedReply(up, 529)},
				{"503 that says overloaded", overloadedReply(up, 503)},
				{"overloaded_error", reply(529, nil, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)},
			}
			if stream {
				evs := append(append([]string{}, up.Stream[:up.Opening]...), up.ErrorEvent("overloaded_error"))
				shapes = append(shapes, struct {
					name string
					beh  behaviour
				}{"error event before content", events(evs, false)})
			}
			for _, s := range shapes {
				t.Run(up.String()+" "+s.name, func(t *testing.T) {
					a := newUpstream(t, s.beh)
					wantServedByTheOtherDialect(t, client, stream, up, a.URL, "overloaded")

					// Alone on its route, the target is retried with backoff.
					only := newGW(t, up, []string{a.URL}, lifeline.WithMaxAttempts(2))
					e := wantError(t, client, only.send(client, stream), 503, "upstream_unavailable")
					wantClasses(t, e, "p0/m0:overloaded", "p0/m0:overloaded")
				})
			}
		}
	})
}

func TestShouldRetryHeaderOnInStreamErrorsAndInvalidAnswers(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		// false on a 200 stream whose error event comes before content: the
		// transient failure moves on at once instead of a retry.
		evs := append(append([]string{}, d.Stream[:d.Opening]...), d.ErrorEvent(errorType(d)))
		a := newUpstream(t, withHeader(events(evs, false), "x-should-retry", "false"))
		wantServedByTheOtherDialect(t, d, true, d, a.URL, "transient")
	})
	modes(t, func(t *testing.T, d dialect, stream bool) {
		json := lifeline.WithValidation(validate.Spec{JSON: true})
		// true on a 2xx answer that fails validation: retried on the same
		// target, where the second answer passes.
		a := newUpstream(t, withHeader(d.Good(stream), "x-should-retry", "true"), d.jsonAnswer(stream))
		b := newUpstream(t, d.jsonAnswer(stream))
		g := newGW(t, d, []string{a.URL, b.URL}, json)
		ans := g.send(d, stream)
		wantServed(t, ans, "p0/m0", 2)
		g.wantAttempts(ans, "p0/m0:invalid", "p0/m0:ok")

		// false: the next target at once, as without the header.
		c := newUpstream(t, withHeader(d.Good(stream), "x-should-retry", "false"), d.jsonAnswer(stream))
		g = newGW(t, d, []string{c.URL, b.URL}, json)
		ans = g.send(d, stream)
		wantServed(t, ans, "p1/m1", 2)
		g.wantAttempts(ans, "p0/m0:invalid", "p1/m1:ok")

		// The gateway's own error says false whatever the upstream said.
		v := newUpstream(t, withHeader(d.Good(stream), "x-should-retry", "true"))
		g = newGW(t, d, []string{v.URL}, json, lifeline.WithMaxAttempts(1))
		wantError(t, d, g.send(d, stream), 502, "invalid_output")
	})
}

func TestAllTargetsCoolingWaitsForTheEarliestResetWithinTheDeadline(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.RateLimit(map[string]string{"retry-after-ms": "400"}), d.Good(stream))
		b := newUpstream(t, d.RateLimit(map[string]string{"retry-after-ms": "3000"}), d.Good(stream))
		g := newGW(t, d, []string{a.URL, b.URL}, lifeline.WithMaxAttempts(1), lifeline.WithMaxWait(10*time.Second))
		start := time.Now()
		e := wantError(t, d, g.send(d, stream), 503, "upstream_unavailable")
		wantClasses(t, e, "p0/m0:wait", "p1/m1:wait")

		// Every target is cooling and the earliest reset is beyond the
		// request's deadline: no wait, no upstream call.
		ans := g.send(d, stream, "X-Lifeline-Timeout", "100ms")
		e = wantError(t, d, ans, 504, "deadline_exceeded")
		if len(e.Attempts) != 0 || a.Count() != 1 || b.Count() != 1 {
			t.Fatalf("attempts %v, upstream calls %d and %d", e.Attempts, a.Count(), b.Count())
		}

		// Within the deadline: wait for p0/m0's reset, not p1/m1's.
		deadline := strconv.FormatInt(time.Now().Add(10*time.Second).UnixMilli(), 10)
		ans = g.send(d, stream, "X-Lifeline-Deadline", deadline)
		wantServed(t, ans, "p0/m0", 1)
		if el := time.Since(start); el < 400*time.Millisecond || el > 2500*time.Millisecond {
			t.Fatalf("served %v after the first request began, want after p0/m0's reset (400ms) and before p1/m1's (3s)", el)
		}
		if b.Count() != 1 {
			t.Fatalf("the later-resetting target was called again: %d calls", b.Count())
		}
	})
}

// Retry-After is whole seconds, rounded up: a wait of under a second asks
// for 1, never 0, which tells a client to come back at once.
func TestSubSecondHintBecomesRetryAfterOne(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, withHeader(d.Overloaded, "retry-after-ms", "400"))
		g := newGW(t, d, []string{a.URL}, lifeline.WithMaxAttempts(1))
		ans := g.send(d, stream)
		wantError(t, d, ans, 503, "upstream_unavailable")
		if got := ans.header.Get("Retry-After"); got != "1" {
			t.Fatalf("Retry-After %q after a 400ms hint, want 1", got)
		}
	})
}

func TestOverloadedOrUnavailableHintBecomesRetryAfter(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		unavailable := reply(503, nil, `{"error":{"message":"Service Unavailable","type":"server_error","code":null}}`)
		if d.Kind == wire.Anthropic {
			unavailable = reply(503, nil, `{"type":"error","error":{"type":"api_error","message":"Service Unavailable"}}`)
		}
		for _, tc := range []struct {
			beh   behaviour
			class string
		}{{d.Overloaded, "overloaded"}, {unavailable, "transient"}} {
			a := newUpstream(t, withHeader(tc.beh, "retry-after", "30"))
			g := newGW(t, d, []string{a.URL}, lifeline.WithMaxAttempts(1))
			ans := g.send(d, stream)
			e := wantError(t, d, ans, 503, "upstream_unavailable")
			wantClasses(t, e, "p0/m0:"+tc.class)
			if ra, err := strconv.Atoi(ans.header.Get("Retry-After")); err != nil || ra < 25 || ra > 30 {
				t.Fatalf("%s: Retry-After %q, want the upstream's 30 seconds", tc.class, ans.header.Get("Retry-After"))
			}
		}
	})
}

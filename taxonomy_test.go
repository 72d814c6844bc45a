package lifeline_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/validate"
	"github.com/lifelinehq/lifeline/wire"
)

// modes runs fn for both dialects, non-streaming and streaming.
func modes(t *testing.T, fn func(t *testing.T, d dialect, stream bool)) {
	for _, d := range dialects {
		for _, stream := range []bool{false, true} {
			name := d.String()
			if stream {
				name += "/stream"
			}
			t.Run(name, func(t *testing.T) { fn(t, d, stream) })
		}
	}
}

func classes(resp *lifeline.Response, err error) []string {
	var atts []lifeline.Attempt
	if resp != nil {
		atts = resp.Attempts
	}
	var le *lifeline.Error
	if errors.As(err, &le) {
		atts = le.Attempts
	}
	var out []string
	for _, a := range atts {
		out = append(out, a.Target+":"+a.Class.String())
	}
	return out
}

func wantClasses(t *testing.T, resp *lifeline.Response, err error, want ...string) {
	t.Helper()
	got := classes(resp, err)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("attempts = %v, want %v (err %v)", got, want, err)
	}
}

func TestOKReturnsAnswer(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Good(stream))
		f := newFixture(t, d, []string{a.URL})
		resp, body, err := f.do(stream)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:ok")
		if stream {
			if body != strings.Join(d.Stream, "") {
				t.Fatalf("stream changed on the way:\n%s\nwant\n%s", body, strings.Join(d.Stream, ""))
			}
		} else if body != d.OK {
			t.Fatalf("body = %s", body)
		}
		if !strings.Contains(a.Bodies()[0], `"model":"m0"`) {
			t.Fatalf("upstream got %s, want model rewritten to m0", a.Bodies()[0])
		}
	})
}

func TestInvalidOutputFallsBack(t *testing.T) {
	schema := []byte(`{"type":"object","required":["answer"],"properties":{"answer":{"type":"string"}}}`)
	modes(t, func(t *testing.T, d dialect, stream bool) {
		// "hello" is not JSON: the first target's answer is invalid.
		a := newUpstream(t, d.Good(stream))
		good := strings.ReplaceAll(d.OK, `hello`, `{\"answer\":\"yes\"}`)
		var b *upstream
		if stream {
			evs := make([]string, len(d.Stream))
			copy(evs, d.Stream)
			for i, e := range evs {
				evs[i] = strings.Replace(strings.Replace(e, `"hel"`, `"{\"answer\":"`, 1), `"lo"`, `"\"yes\"}"`, 1)
			}
			b = newUpstream(t, events(evs, false))
		} else {
			b = newUpstream(t, reply(200, nil, good))
		}
		f := newFixture(t, d, []string{a.URL, b.URL}, lifeline.WithValidation(validate.Spec{Schema: schema}))
		resp, body, err := f.do(stream)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:invalid", "p1/m1:ok")
		if strings.Contains(body, "hel") {
			t.Fatalf("invalid answer reached the client: %s", body)
		}
		if a.Count() != 1 {
			t.Fatalf("invalid target retried: %d calls", a.Count())
		}
		if got := f.events.Kind(lifeline.ValidationFailed); len(got) != 1 || got[0].Validator == "" {
			t.Fatalf("validation events = %+v", got)
		}
		wantSequence(t, f, lifeline.AttemptFinished, lifeline.ValidationFailed, lifeline.AttemptFinished)
	})
}

// wantSequence fails the test unless the attempt and validation events
// came in the order want.
func wantSequence(t *testing.T, f *fixture, want ...lifeline.EventKind) {
	t.Helper()
	if got := f.events.Sequence(lifeline.AttemptFinished, lifeline.ValidationFailed); !slices.Equal(got, want) {
		t.Fatalf("events came in the order %v, want %v", got, want)
	}
}

func TestEveryTargetInvalidIs502(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Good(stream))
		f := newFixture(t, d, []string{a.URL}, lifeline.WithValidation(validate.Spec{JSON: true}))
		_, _, err := f.do(stream)
		var le *lifeline.Error
		if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrInvalidOutput) || le.Status != 502 || le.Code != "invalid_output" {
			t.Fatalf("err = %v", err)
		}
	})
}

// A 429 is waited out and retried on the same target: for its hint, or
// without one for the backoff's base, the cool-down the 429 starts, which
// must not refuse the request's own retry and send it elsewhere.
func TestRateLimitWaitsForHintThenRetriesSameTarget(t *testing.T) {
	for _, tc := range []struct {
		name string
		hint map[string]string
		min  time.Duration
	}{
		{"hint", map[string]string{"retry-after-ms": "30"}, 30 * time.Millisecond},
		{"no hint", nil, time.Millisecond}, // fastPolicy's base
	} {
		t.Run(tc.name, func(t *testing.T) {
			modes(t, func(t *testing.T, d dialect, stream bool) {
				a := newUpstream(t, d.RateLimit(tc.hint), d.Good(stream))
				b := newUpstream(t, d.Good(stream))
				f := newFixture(t, d, []string{a.URL, b.URL})
				resp, _, err := f.do(stream)
				if err != nil {
					t.Fatal(err)
				}
				wantClasses(t, resp, err, "p0/m0:wait", "p0/m0:ok")
				if w := resp.Attempts[0].Wait; w < tc.min {
					t.Fatalf("waited %v, want at least %v", w, tc.min)
				}
				if b.Count() != 0 {
					t.Fatal("fallback taken although the wait fit")
				}
			})
		})
	}
}

func TestRateLimitLongerThanMaxWaitGoesNext(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.RateLimit(map[string]string{"retry-after": "120"}))
		b := newUpstream(t, d.Good(stream))
		f := newFixture(t, d, []string{a.URL, b.URL}, lifeline.WithMaxWait(time.Second))
		resp, _, err := f.do(stream)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:wait", "p1/m1:ok")
		if resp.Attempts[0].Wait != 0 {
			t.Fatalf("slept %v before the fallback", resp.Attempts[0].Wait)
		}
		// The target cools down: the next request skips it.
		resp, _, err = f.do(stream)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p1/m1:ok")
		if a.Count() != 1 {
			t.Fatalf("cooling target called %d times", a.Count())
		}
	})
}

func TestQuotaExhaustedIsNeverRetried(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Quota)
		b := newUpstream(t, d.Good(stream))
		f := newFixture(t, d, []string{a.URL, b.URL})
		for i := 0; i < 3; i++ {
			resp, _, err := f.do(stream)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				wantClasses(t, resp, err, "p0/m0:exhausted", "p1/m1:ok")
			} else {
				wantClasses(t, resp, err, "p1/m1:ok")
			}
		}
		if a.Count() != 1 {
			t.Fatalf("exhausted target called %d times, want 1 (quota cool-down)", a.Count())
		}
	})
}

func TestOverloadedReroutesAtOnce(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Overloaded)
		b := newUpstream(t, d.Good(stream))
		f := newFixture(t, d, []string{a.URL, b.URL})
		resp, _, err := f.do(stream)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:overloaded", "p1/m1:ok")
		if resp.Attempts[0].Wait != 0 {
			t.Fatal("waited before rerouting")
		}
	})
}

func TestOverloadedRetriedWhenNoOtherTargetLeft(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Overloaded, d.Good(stream))
		b := newUpstream(t, d.Server)
		f := newFixture(t, d, []string{a.URL, b.URL}, lifeline.WithMaxAttempts(2))
		resp, _, err := f.do(stream)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:overloaded", "p1/m1:transient", "p1/m1:transient", "p0/m0:ok")
	})
}

func TestOverloadedErrorInsideStreamBeforeContentReroutes(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			typ := "overloaded_error"
			a := newUpstream(t, events([]string{d.Stream[0], d.ErrorEvent(typ)}, false))
			b := newUpstream(t, d.Good(true))
			f := newFixture(t, d, []string{a.URL, b.URL})
			resp, body, err := f.do(true)
			if err != nil {
				t.Fatal(err)
			}
			wantClasses(t, resp, err, "p0/m0:overloaded", "p1/m1:ok")
			if body != strings.Join(d.Stream, "") {
				t.Fatalf("client saw the failed attempt's opening events:\n%s", body)
			}
		})
	}
}

// A stream request answered 200 without a stream: a plain answer (a server
// that does not stream) is no answer to it, invalid, and the next target
// serves at once; an error object is classed as that error.
func TestStreamRequestAnsweredWithoutAStream(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			plain := newUpstream(t, reply(200, nil, d.OK))
			b := newUpstream(t, d.Good(true))
			f := newFixture(t, d, []string{plain.URL, b.URL})
			resp, body, err := f.do(true)
			if err != nil {
				t.Fatal(err)
			}
			wantClasses(t, resp, err, "p0/m0:invalid", "p1/m1:ok")
			if body != strings.Join(d.Stream, "") {
				t.Fatalf("the client got more than the stream:\n%s", body)
			}
			overloaded := `{"error":{"type":"overloaded_error","message":"Overloaded"}}`
			if d.Kind == lifeline.Anthropic {
				overloaded = `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`
			}
			disguised := newUpstream(t, reply(200, nil, overloaded))
			f = newFixture(t, d, []string{disguised.URL, b.URL})
			resp, _, err = f.do(true)
			if err != nil {
				t.Fatal(err)
			}
			wantClasses(t, resp, err, "p0/m0:overloaded", "p1/m1:ok")
		})
	}
}

func TestServerErrorRetriesWithBackoffThenNext(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Server)
		b := newUpstream(t, d.Good(stream))
		f := newFixture(t, d, []string{a.URL, b.URL})
		resp, _, err := f.do(stream)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:transient", "p0/m0:transient", "p0/m0:transient", "p1/m1:ok")
		keys := append(a.IdempotencyKeys(), b.IdempotencyKeys()...)
		for _, k := range keys {
			if k == "" || k != keys[0] {
				t.Fatalf("idempotency keys differ across attempts: %v", keys)
			}
		}
	})
}

func TestConnectionRefusedIsTransient(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		b := newUpstream(t, d.Good(stream))
		f := newFixture(t, d, []string{refusedURL(t), b.URL}, lifeline.WithMaxAttempts(2))
		resp, _, err := f.do(stream)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:transient", "p0/m0:transient", "p1/m1:ok")
	})
}

func TestHangBeforeHeadersHitsFirstTokenTimeout(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, hang())
		b := newUpstream(t, d.Good(stream))
		firstTokenThenNext(t, newFixture(t, d, []string{a.URL, b.URL}, firstTokenPolicy(50*time.Millisecond)...), stream)
	})
}

// firstTokenPolicy bounds the first token and makes one attempt per
// target.
func firstTokenPolicy(bound time.Duration) []lifeline.RouteOption {
	return []lifeline.RouteOption{lifeline.WithMaxAttempts(1),
		lifeline.WithTimeouts(lifeline.Timeouts{FirstToken: bound, Total: 10 * time.Second})}
}

// firstTokenThenNext sends a request through f, whose first target hangs
// before headers and whose second serves: the first attempt must end at
// the first-token bound and the second target serve.
func firstTokenThenNext(t *testing.T, f *fixture, stream bool) {
	t.Helper()
	resp, body, err := f.do(stream)
	if err != nil {
		t.Fatal(err)
	}
	wantClasses(t, resp, err, "p0/m0:transient", "p1/m1:ok")
	if !strings.Contains(resp.Attempts[0].Err, "first-token") {
		t.Fatalf("attempt error = %q", resp.Attempts[0].Err)
	}
	if body == "" {
		t.Fatal("the second target's answer is empty")
	}
}

func TestStallBeforeContentIsTransient(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			a := newUpstream(t, events(d.Stream[:d.Opening], true))
			b := newUpstream(t, d.Good(true))
			f := newFixture(t, d, []string{a.URL, b.URL}, lifeline.WithMaxAttempts(1),
				lifeline.WithTimeouts(lifeline.Timeouts{Idle: 50 * time.Millisecond, Total: 10 * time.Second}))
			resp, body, err := f.do(true)
			if err != nil {
				t.Fatal(err)
			}
			wantClasses(t, resp, err, "p0/m0:transient", "p1/m1:ok")
			if body != strings.Join(d.Stream, "") {
				t.Fatalf("client saw the stalled attempt:\n%s", body)
			}
		})
	}
}

// noTerminalEvent is what lifeline says of a stream that ended without
// its terminal event.
const noTerminalEvent = "the provider's stream ended without its terminal event"

// A stream cut without its terminal event before any byte reached the
// client is transient: the next target serves.
func TestStreamCutWithoutTerminalEventIsTransient(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			cut := d.Stream[:len(d.Stream)-1]
			a := newUpstream(t, events(cut, false))
			b := newUpstream(t, d.Good(true))
			// Buffered (a schema applies) so that the cut is seen before any byte
			// reached the client.
			f := newFixture(t, d, []string{a.URL, b.URL}, lifeline.WithMaxAttempts(1), lifeline.WithStreamMode(lifeline.StreamBuffer))
			resp, _, err := f.do(true)
			if err != nil {
				t.Fatal(err)
			}
			wantClasses(t, resp, err, "p0/m0:transient", "p1/m1:ok")
			// Said in those words, not as a bare "unexpected EOF".
			if got := resp.Attempts[0].Err; !strings.Contains(got, noTerminalEvent) {
				t.Fatalf("first attempt's error = %v, want one that says %q", got, noTerminalEvent)
			}
		})
	}
}

// What a stream holds back before the client sees it (here a whole
// buffered answer) is bounded by the engine's response limit, as a whole
// non-streamed answer is: a larger one fails its target, and the next one,
// within the limit, serves.
func TestHeldBackStreamIsBounded(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			limit := int64(len(strings.Join(d.Stream, "")) + 64)
			long := append([]string(nil), d.Stream...)
			for range 4 { // more content events, each under the limit
				long = slices.Insert(long, d.Opening+1, d.Stream[d.Opening])
			}
			a := newUpstream(t, events(long, false))
			b := newUpstream(t, d.Good(true))
			f := newFixtureWith(t, []lifeline.Option{lifeline.WithMaxResponse(limit)}, d, []string{a.URL, b.URL},
				lifeline.WithMaxAttempts(1), lifeline.WithStreamMode(lifeline.StreamBuffer))
			resp, _, err := f.do(true)
			if err != nil {
				t.Fatal(err)
			}
			wantClasses(t, resp, err, "p0/m0:transient", "p1/m1:ok")
			if msg := resp.Attempts[0].Err; !strings.Contains(msg, "exceeds") {
				t.Fatalf("first attempt's error %q does not say it was too large", msg)
			}
		})
	}
}

// WithMaxResponse with zero or less keeps the default bound, as a zero
// field of a route's policy does: it does not fail every answer as too
// large.
func TestMaxResponseZeroKeepsDefault(t *testing.T) {
	for _, n := range []int64{0, -1} {
		d := openaiD
		a := newUpstream(t, d.Good(false))
		f := newFixtureWith(t, []lifeline.Option{lifeline.WithMaxResponse(n)}, d, []string{a.URL}, lifeline.WithMaxAttempts(1))
		resp, _, err := f.do(false)
		if err != nil {
			t.Fatalf("WithMaxResponse(%d): %v", n, err)
		}
		wantClasses(t, resp, err, "p0/m0:ok")
	}
}

// An upstream's response headers are bounded (1 MiB with the default
// transport): endless headers fail the attempt, and the next target
// serves.
func TestResponseHeadersAreBounded(t *testing.T) {
	d := openaiD
	a := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Padding", strings.Repeat("x", 2<<20))
		d.Good(false)(w, r)
	})
	b := newUpstream(t, d.Good(false))
	f := newFixtureWith(t, nil, d, []string{a.URL, b.URL}, lifeline.WithMaxAttempts(1))
	resp, _, err := f.do(false)
	if err != nil {
		t.Fatal(err)
	}
	wantClasses(t, resp, err, "p0/m0:transient", "p1/m1:ok")
	if msg := resp.Attempts[0].Err; !strings.Contains(msg, "headers exceeded") {
		t.Fatalf("first attempt's error %q does not say its headers were too large", msg)
	}
}

func TestRejectedStopsWithoutRetryOrFallback(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.BadReq)
		b := newUpstream(t, d.Good(stream))
		f := newFixture(t, d, []string{a.URL, b.URL})
		_, _, err := f.do(stream)
		var le *lifeline.Error
		if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrRejected) {
			t.Fatalf("err = %v", err)
		}
		if le.Status != 400 || le.Upstream == nil || !strings.Contains(string(le.Body(d.Kind)), "invalid_request_error") {
			t.Fatalf("status %d, body %s", le.Status, le.Body(d.Kind))
		}
		if a.Count() != 1 || b.Count() != 0 {
			t.Fatalf("calls a=%d b=%d, want 1 and 0", a.Count(), b.Count())
		}
	})
}

func TestTooLargeGoesNextThenReturnsError(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.TooLarge)
		b := newUpstream(t, d.Good(stream))
		f := newFixture(t, d, []string{a.URL, b.URL})
		resp, _, err := f.do(stream)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:too_large", "p1/m1:ok")

		only := newFixture(t, d, []string{a.URL})
		_, _, err = only.do(stream)
		var le *lifeline.Error
		if !errors.As(err, &le) || le.Status != 400 || le.Upstream == nil {
			t.Fatalf("err = %v, want the provider's 400", err)
		}
	})
}

// A request too large for one target while the next is cooling down is
// not answered with the first's 400: the next may take it once its
// cool-down ends, which the 503's Retry-After says (an SDK gives up on a
// 400 for good).
func TestTooLargeWhileTheNextCoolsIsUnavailable(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.TooLarge)
		b := newUpstream(t, d.RateLimit(map[string]string{"retry-after": "120"}))
		f := newFixture(t, d, []string{a.URL, b.URL}, lifeline.WithMaxWait(time.Second))
		if _, _, err := f.do(stream); !errors.Is(err, lifeline.ErrUpstreamUnavailable) {
			t.Fatalf("too large, then rate limited: %v", err)
		}
		_, _, err := f.do(stream) // b is cooling: skipped
		var le *lifeline.Error
		if !errors.As(err, &le) || le.Status != 503 || le.RetryAfter < 100*time.Second {
			t.Fatalf("too large, the next cooling: %v; want a 503 with the cool-down's end as its Retry-After", err)
		}
		if b.Count() != 1 {
			t.Fatalf("the cooling target was called %d times", b.Count())
		}
	})
}

func TestAuthAndNotFoundGoNextWithoutRetry(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Auth)
		b := newUpstream(t, d.NotFound)
		c := newUpstream(t, d.Good(stream))
		f := newFixture(t, d, []string{a.URL, b.URL, c.URL})
		resp, _, err := f.do(stream)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:auth", "p1/m1:not_found", "p2/m2:ok")
	})
}

// A redirect says the API is not at the target's URL (an http:// base URL
// answered with a 301 to https://, say): asking again gets the same
// redirect, so the request moves on at once, and the attempt's error names
// where the redirect points.
func TestRedirectGoesNextWithoutRetry(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://api.example.com/v1/chat/completions", http.StatusMovedPermanently)
		})
		b := newUpstream(t, d.Good(stream))
		f := newFixture(t, d, []string{a.URL, b.URL})
		resp, _, err := f.do(stream)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:not_found", "p1/m1:ok")
		if got := resp.Attempts[0].Err; !strings.Contains(got, "301") || !strings.Contains(got, "https://api.example.com/v1/chat/completions") {
			t.Errorf("the redirect's attempt error is %q, want its status and where it points", got)
		}
	})
}

func TestShouldRetryHeaderOverrides(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		// false: a 500 is not retried on the same target.
		a := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("x-should-retry", "false")
			d.Server(w, r)
		})
		b := newUpstream(t, d.Good(stream))
		f := newFixture(t, d, []string{a.URL, b.URL})
		resp, _, err := f.do(stream)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:transient", "p1/m1:ok")

		// true: a 401 is retried on the same target.
		c := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("x-should-retry", "true")
			d.Auth(w, r)
		}, d.Good(stream))
		f = newFixture(t, d, []string{c.URL})
		resp, _, err = f.do(stream)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:auth", "p0/m0:ok")

		// true outweighs a route's stop for the class.
		s := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("x-should-retry", "true")
			d.Auth(w, r)
		}, d.Good(stream))
		f = newFixture(t, d, []string{s.URL}, lifeline.WithAction(classify.Auth, lifeline.Stop))
		resp, _, err = f.do(stream)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:auth", "p0/m0:ok")

		// true: an answer that fails validation, a failure like any other,
		// is retried on the same target.
		var checks atomic.Int32
		firstFails := validate.Custom{Name: "first_fails", Check: func(*wire.Output) error {
			if checks.Add(1) == 1 {
				return errors.New("the first answer fails")
			}
			return nil
		}}
		v := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("x-should-retry", "true")
			d.Good(stream)(w, r)
		})
		f = newFixture(t, d, []string{v.URL}, lifeline.WithStreamMode(lifeline.StreamBuffer),
			lifeline.WithValidation(validate.Spec{Custom: []validate.Custom{firstFails}}))
		resp, _, err = f.do(stream)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:invalid", "p0/m0:ok")

		// true never makes a rejected request retryable.
		r := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("x-should-retry", "true")
			d.BadReq(w, r)
		})
		f = newFixture(t, d, []string{r.URL})
		if _, _, err := f.do(stream); !errors.Is(err, lifeline.ErrRejected) || r.Count() != 1 {
			t.Fatalf("err %v after %d calls", err, r.Count())
		}
	})
}

func TestBrokenStreamEndsWithErrorEvent(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			// Content reached the client, then the upstream stalls.
			a := newUpstream(t, events(d.Stream[:d.Opening+1], true))
			f := newFixture(t, d, []string{a.URL},
				lifeline.WithTimeouts(lifeline.Timeouts{Idle: 50 * time.Millisecond, Total: 10 * time.Second}))
			_, body, err := f.do(true)
			if !errors.Is(err, lifeline.ErrBrokenStream) {
				t.Fatalf("err = %v", err)
			}
			if strings.Contains(body, "[DONE]") || strings.Contains(body, "message_stop") {
				t.Fatalf("broken stream ended cleanly:\n%s", body)
			}
			last := body[strings.LastIndex(strings.TrimRight(body, "\n"), "\n\n")+2:]
			if d.Kind == openaiD.Kind && !strings.HasPrefix(last, `data: {"error":`) {
				t.Fatalf("last event %q is not an error", last)
			}
			if d.Kind == anthropicD.Kind && !strings.HasPrefix(last, "event: error\n") {
				t.Fatalf("last event %q is not an error", last)
			}
			if a.Count() != 1 {
				t.Fatal("a broken stream was retried")
			}
			// The attempt is reported once, when the stream ends, with the
			// class it ended with.
			fin := f.events.Kind(lifeline.AttemptFinished)
			if len(fin) != 1 || fin[0].Class.String() != "broken_stream" || fin[0].Err == nil {
				t.Fatalf("attempt events %+v, want one broken_stream", fin)
			}
		})
	}
}

// A served stream's attempt is reported once, when the stream ends.
func TestServedStreamAttemptReportedOnceAtItsEnd(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			a := newUpstream(t, d.Good(true))
			f := newFixture(t, d, []string{a.URL})
			resp, err := f.engine.Do(context.Background(), f.route, &lifeline.Request{Dialect: d.Kind, Body: []byte(d.StreamRequest())})
			if err != nil {
				t.Fatal(err)
			}
			if fin := f.events.Kind(lifeline.AttemptFinished); len(fin) != 0 {
				t.Fatalf("the attempt was reported before its stream was read: %+v", fin)
			}
			for {
				if _, err := resp.Stream.Next(); err != nil {
					break
				}
			}
			resp.Stream.Close()
			fin := f.events.Kind(lifeline.AttemptFinished)
			if len(fin) != 1 || fin[0].Class.String() != "ok" || fin[0].Status != 200 || fin[0].Err != nil {
				t.Fatalf("attempt events %+v, want one ok", fin)
			}
			req := f.events.Kind(lifeline.RequestFinished)
			if len(req) != 1 || fin[0].Time.After(req[0].Time) {
				t.Fatalf("the attempt was reported after its request: %+v, %+v", fin, req)
			}
		})
	}
}

func TestBrokenStreamByUpstreamErrorEventAfterContent(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			a := newUpstream(t, events(append(append([]string{}, d.Stream[:d.Opening+1]...), d.ErrorEvent("api_error")), false))
			f := newFixture(t, d, []string{a.URL})
			_, body, err := f.do(true)
			if !errors.Is(err, lifeline.ErrBrokenStream) {
				t.Fatalf("err = %v", err)
			}
			if !strings.HasSuffix(body, d.ErrorEvent("api_error")) {
				t.Fatalf("stream does not end with the upstream's error event:\n%s", body)
			}
		})
	}
}

func TestHintLongerThanDeadlineFailsFast(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.RateLimit(map[string]string{"retry-after": "30"}))
		f := newFixture(t, d, []string{a.URL}, lifeline.WithMaxWait(time.Minute))
		start := time.Now()
		_, _, err := f.doCtx(context.Background(), stream, func(r *lifeline.Request) {
			r.Deadline = time.Now().Add(5 * time.Second)
		})
		var le *lifeline.Error
		if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrDeadlineExceeded) || le.Status != 504 {
			t.Fatalf("err = %v", err)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Fatalf("took %v: slept toward a wait that cannot fit", el)
		}
		if a.Count() != 1 {
			t.Fatalf("%d calls", a.Count())
		}
	})
}

func TestCallerDeadlineBoundsHangingAttempt(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, hang())
		f := newFixture(t, d, []string{a.URL})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, _, err := f.doCtx(ctx, stream, nil)
		if !errors.Is(err, lifeline.ErrDeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestCallerCancelEndsAttemptWithoutBlame: a caller that goes away ends
// the attempt in progress at once, with the caller's cause, and the target
// is not blamed.
func TestCallerCancelEndsAttemptWithoutBlame(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		arrived := make(chan struct{})
		a := newUpstream(t, hangArrived(arrived))
		callerGoesAway(t, newFixture(t, d, []string{a.URL}, lifeline.WithBreaker(breakerConfig(1))), stream, arrived)
		if a.Count() != 1 {
			t.Fatalf("%d upstream calls, want 1", a.Count())
		}
	})
}

// hangArrived is hang, closing arrived when the first request comes.
func hangArrived(arrived chan<- struct{}) behaviour {
	var once sync.Once
	return func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(arrived) })
		<-r.Context().Done()
	}
}

// callerGoesAway sends a request through f, whose one target hangs (see
// hangArrived) and whose breaker one failure opens, and cancels it once
// the target has it. The request must end at once with the caller's
// cause, and the breaker stay closed.
func callerGoesAway(t *testing.T, f *fixture, stream bool, arrived <-chan struct{}) {
	t.Helper()
	gone := errors.New("the caller went away")
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var left time.Time
	go func() {
		select {
		case <-arrived:
		case <-ctx.Done():
			return
		}
		left = time.Now()
		cancel(gone)
	}()
	_, _, err := f.doCtx(ctx, stream, nil)
	if !errors.Is(err, gone) || !errors.Is(err, lifeline.ErrCanceled) {
		t.Fatalf("err = %v, want ErrCanceled with the caller's cause", err)
	}
	// What was attempted before the caller left is kept.
	var le *lifeline.Error
	if !errors.As(err, &le) || len(le.Attempts) != 1 || le.Status != 499 {
		t.Fatalf("err = %#v, want a 499 *lifeline.Error listing the attempt", err)
	}
	// Well within the 2s first-token bound that would also end it.
	if el := time.Since(left); el > time.Second {
		t.Fatalf("the attempt went on for %v after the caller went away", el)
	}
	if ch := f.events.Kind(lifeline.BreakerChanged); len(ch) != 0 {
		t.Fatalf("the target was blamed: %+v", ch)
	}
}

func TestBreakerOpensAndSkipsTarget(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Overloaded)
		b := newUpstream(t, d.Good(stream))
		f := newFixture(t, d, []string{a.URL, b.URL},
			lifeline.WithBreaker(breakerConfig(3)))
		for i := 0; i < 6; i++ {
			if _, _, err := f.do(stream); err != nil {
				t.Fatal(err)
			}
		}
		if a.Count() != 3 {
			t.Fatalf("open breaker let %d calls through, want 3", a.Count())
		}
		ch := f.events.Kind(lifeline.BreakerChanged)
		if len(ch) != 1 || ch[0].To.String() != "open" {
			t.Fatalf("breaker events = %+v", ch)
		}
	})
}

func TestAllTargetsFailedIs503WithAttempts(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Overloaded)
		b := newUpstream(t, d.Server)
		f := newFixture(t, d, []string{a.URL, b.URL}, lifeline.WithMaxAttempts(1))
		_, _, err := f.do(stream)
		var le *lifeline.Error
		if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrUpstreamUnavailable) || le.Status != 503 {
			t.Fatalf("err = %v", err)
		}
		if len(le.Attempts) != 2 || le.Attempts[0].Class != classify.Overloaded || le.Attempts[1].Status != 500 {
			t.Fatalf("attempts = %+v", le.Attempts)
		}
		body := string(le.Body(d.Kind))
		if !strings.Contains(body, `"lifeline":{"attempts":[{"target":"p0/m0","status":`) || !strings.Contains(body, "upstream_unavailable") {
			t.Fatalf("error body = %s", body)
		}
	})
}

func breakerConfig(consecutive int) breaker.Config {
	return breaker.Config{ConsecutiveFailures: consecutive, MinRequests: 100, Cooldown: time.Minute}
}

// A passed-through stream whose answer fails validation at its end is cut
// with an error event (bytes already reached the client) and reported as
// a validation failure and a broken_stream attempt.
func TestPassedStreamInvalidAtItsEndIsBroken(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			a := newUpstream(t, d.Good(true)) // text, not JSON
			f := newFixture(t, d, []string{a.URL},
				lifeline.WithValidation(validate.Spec{JSON: true}), lifeline.WithStreamMode(lifeline.StreamPass))
			_, body, err := f.do(true)
			if !errors.Is(err, lifeline.ErrBrokenStream) {
				t.Fatalf("err = %v, want a broken stream", err)
			}
			if strings.Contains(body, "[DONE]") || strings.Contains(body, "message_stop") {
				t.Fatalf("an invalid stream ended cleanly:\n%s", body)
			}
			if got := f.events.Kind(lifeline.ValidationFailed); len(got) != 1 || got[0].Validator == "" {
				t.Fatalf("validation events = %+v, want one", got)
			}
			if fin := f.events.Kind(lifeline.AttemptFinished); len(fin) != 1 || fin[0].Class.String() != "broken_stream" {
				t.Fatalf("attempt events = %+v, want one broken_stream", fin)
			}
			// As for an answer that is not streamed: the attempt, then why
			// it failed.
			wantSequence(t, f, lifeline.AttemptFinished, lifeline.ValidationFailed)
		})
	}
}

// A redirect whose address echoes the provider key is named without it,
// also when the key straddles the point where a long address is cut.
func TestRedirectErrorNeverHoldsTheKey(t *testing.T) {
	const key = "sk-test-secret" // the fixture's provider key
	for _, at := range []int{40, 241, 400} {
		d := openaiD
		a := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			loc := "https://api.example.com/"
			loc += strings.Repeat("x", at-len(loc)) + "?key=" + key
			http.Redirect(w, r, loc, http.StatusFound)
		})
		f := newFixture(t, d, []string{a.URL}, lifeline.WithMaxAttempts(1))
		_, _, err := f.do(false)
		var le *lifeline.Error
		if !errors.As(err, &le) || len(le.Attempts) != 1 {
			t.Fatalf("err = %v", err)
		}
		if msg := le.Attempts[0].Err; !strings.Contains(msg, "a redirect to https://api.example.com/") || strings.Contains(msg, key[:8]) {
			t.Errorf("key at %d: the attempt's error is %q", at, msg)
		}
		// The address is named in 256 bytes at most, the mark of the cut
		// included.
		if _, addr, _ := strings.Cut(le.Attempts[0].Err, "a redirect to "); len(addr) > 256 {
			t.Errorf("key at %d: the address in the attempt's error is %d bytes: %q", at, len(addr), addr)
		}
	}
}

// A credential in the base URL's query (an API that takes its key as
// ?key=…, as Gemini's OpenAI-compatible endpoint does) is not echoed from a
// redirect that keeps the request's query (an http:// base URL sent on to
// https://): the redirect is named without its query.
func TestRedirectErrorLeavesOutTheQuery(t *testing.T) {
	const secret = "query-secret-0123456789"
	a := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://"+r.Host+r.URL.String(), http.StatusMovedPermanently)
	})
	f := newFixture(t, openaiD, []string{a.URL + "?key=" + secret}, lifeline.WithMaxAttempts(1))
	_, _, err := f.do(false)
	var le *lifeline.Error
	if !errors.As(err, &le) || len(le.Attempts) != 1 {
		t.Fatalf("err = %v", err)
	}
	if msg := le.Attempts[0].Err; strings.Contains(msg, secret) || !strings.Contains(msg, "a redirect to https://"+strings.TrimPrefix(a.URL, "http://")+"/chat/completions") {
		t.Errorf("the attempt's error is %q, want the address without its query", msg)
	}
}

// A redirect's user information and fragment stay out of the attempt's
// error too: a Location of https://user:password@host/ names a credential.
// So do they when the Location is not a URL Go parses (a bad escape).
func TestRedirectErrorLeavesOutUserInformation(t *testing.T) {
	const secret = "userinfo-secret-0123456789"
	for _, path := range []string{"/v1/chat", "/v1/chat%zz"} {
		a := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "https://admin:"+secret+"@"+r.Host+path+"#"+secret)
			w.WriteHeader(http.StatusFound)
		})
		f := newFixture(t, openaiD, []string{a.URL}, lifeline.WithMaxAttempts(1))
		_, _, err := f.do(false)
		var le *lifeline.Error
		if !errors.As(err, &le) || len(le.Attempts) != 1 {
			t.Fatalf("err = %v", err)
		}
		if msg := le.Attempts[0].Err; strings.Contains(msg, secret) || !strings.Contains(msg, "a redirect to https://"+strings.TrimPrefix(a.URL, "http://")+path) {
			t.Errorf("the attempt's error is %q, want the address without its user information and fragment", msg)
		}
	}
}

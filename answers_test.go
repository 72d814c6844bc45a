package lifeline_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/internal/upstreamtest"
	"github.com/lifelinehq/lifeline/validate"
	"github.com/lifelinehq/lifeline/wire"
)

// A 2xx body that is no answer of the target's dialect is invalid even
// when no validator applies: the next target serves.
func TestMalformedAnswerIsInvalid(t *testing.T) {
	for _, d := range dialects {
		for name, body := range map[string]string{
			"empty": "", "html": "<html>upstream proxy page</html>", "empty object": "{}", "cut": d.OK[:len(d.OK)/2],
		} {
			t.Run(d.String()+"/"+name, func(t *testing.T) {
				a := newUpstream(t, upstreamtest.Reply(200, nil, body))
				b := newUpstream(t, d.Good(false))
				f := newFixture(t, d, []string{a.URL, b.URL})
				resp, _, err := f.do(false)
				wantClasses(t, resp, err, "p0/m0:invalid", "p1/m1:ok")

				// The same with a validator that applies and passes
				// anything: it does not take the body for an answer.
				a = newUpstream(t, upstreamtest.Reply(200, nil, body))
				anything := validate.Custom{Name: "anything", Check: func(*wire.Output) error { return nil }}
				f = newFixture(t, d, []string{a.URL, b.URL}, lifeline.WithValidation(validate.Spec{Custom: []validate.Custom{anything}}))
				resp, _, err = f.do(false)
				wantClasses(t, resp, err, "p0/m0:invalid", "p1/m1:ok")
			})
		}
	}
}

// contextLengthEvent is the error event a provider sends inside a 200
// stream for a prompt over the model's context window.
func contextLengthEvent(d dialect) string {
	if d.Kind == wire.OpenAI {
		return "data: {\"error\":{\"message\":\"This model's maximum context length is 8192 tokens\",\"type\":\"invalid_request_error\",\"code\":\"context_length_exceeded\"}}\n\n"
	}
	return "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"prompt is too long: 210000 tokens > 200000 maximum\"}}\n\n"
}

// An error event inside a 200 stream, before any content, that rejects the
// request (too_large on the last target, or rejected) is the provider's
// error: a 400 the client reads as one, never a 200.
func TestStreamErrorEventBeforeContentIsTheProvidersError(t *testing.T) {
	for _, d := range dialects {
		for name, ev := range map[string]string{"too_large": contextLengthEvent(d), "rejected": d.ErrorEvent("invalid_request_error")} {
			t.Run(d.String()+"/"+name, func(t *testing.T) {
				a := newUpstream(t, upstreamtest.Events(append(append([]string{}, d.Stream[:d.Opening]...), ev), false))
				f := newFixture(t, d, []string{a.URL})
				_, _, err := f.do(true)
				var le *lifeline.Error
				if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrRejected) || le.Status != 400 {
					t.Fatalf("err = %v, want the provider's rejection with status 400", err)
				}
				if le.Attempts[0].Status != 200 {
					t.Fatalf("attempt status %d, want the response's 200", le.Attempts[0].Status)
				}

				path := "/v1/chat/completions"
				if d.Kind == wire.Anthropic {
					path = "/v1/messages"
				}
				req, _ := http.NewRequest(http.MethodPost, "http://lifeline.invalid"+path, strings.NewReader(d.StreamRequest()))
				resp, err := f.engine.Transport(f.route).RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 400 || !strings.Contains(string(body), "invalid_request_error") {
					t.Fatalf("HTTP %d %s, want 400 with the provider's error", resp.StatusCode, body)
				}
			})
		}
	}
}

// An Anthropic error event that comes without its "event: error" line
// after content still ends the client's stream as an error the SDK sees.
func TestNamelessAnthropicErrorEventAfterContent(t *testing.T) {
	ev := "data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"
	a := newUpstream(t, upstreamtest.Events(append(append([]string{}, anthropicD.Stream[:anthropicD.Opening+1]...), ev), false))
	f := newFixture(t, anthropicD, []string{a.URL})
	_, body, err := f.do(true)
	if !errors.Is(err, lifeline.ErrBrokenStream) {
		t.Fatalf("err = %v", err)
	}
	if want := "event: error\n" + ev; !strings.HasSuffix(body, want) {
		t.Fatalf("stream does not end with %q:\n%s", want, body)
	}
	client := anthropicClient(f, &countingTransport{})
	s := client.Messages.NewStreaming(context.Background(), anthropicParams)
	for s.Next() {
	}
	if s.Err() == nil {
		t.Fatal("the SDK saw a clean end of a cut stream")
	}
}

// A target whose dialect cannot express the request is skipped without an
// attempt; the next target serves. When none can, the request is a bad
// request and no provider is called.
func TestUntranslatableRequestSkipsTheTarget(t *testing.T) {
	body := `{"model":"route","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":{"type":"allowed_tools","allowed_tools":{"mode":"auto","tools":[{"type":"function","function":{"name":"f"}}]}},"messages":[{"role":"user","content":"hi"}]}`
	a := newUpstream(t, anthropicD.Good(false))
	b := newUpstream(t, openaiD.Good(false))
	ant := lifeline.Target{Provider: &lifeline.Provider{Name: "ant", Kind: lifeline.Anthropic, BaseURL: a.URL}, Model: "claude"}
	oai := lifeline.Target{Provider: &lifeline.Provider{Name: "oai", Kind: lifeline.OpenAI, BaseURL: b.URL + "/v1"}, Model: "gpt"}
	e := lifeline.New()
	r, err := e.NewRoute("route", []lifeline.Target{ant, oai}, fastPolicy()...)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.Do(context.Background(), r, &lifeline.Request{Dialect: lifeline.OpenAI, Body: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Target != "oai/gpt" || len(resp.Attempts) != 1 || a.Count() != 0 {
		t.Fatalf("served by %s after %d attempts, %d calls to the first target", resp.Target, len(resp.Attempts), a.Count())
	}

	r, err = e.NewRoute("only", []lifeline.Target{ant}, fastPolicy()...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Do(context.Background(), r, &lifeline.Request{Dialect: lifeline.OpenAI, Body: []byte(body)})
	var le *lifeline.Error
	if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrBadRequest) || le.Status != 400 || len(le.Attempts) != 0 {
		t.Fatalf("err = %v, want a bad request with no attempt", err)
	}
	if a.Count() != 0 {
		t.Fatalf("the provider was called %d times", a.Count())
	}

	// A target that cannot take the request does not make the others'
	// outage a bad request: with the other's breaker open, the answer is
	// still a 503.
	down := newUpstream(t, openaiD.Server)
	oaiDown := lifeline.Target{Provider: &lifeline.Provider{Name: "down", Kind: lifeline.OpenAI, BaseURL: down.URL + "/v1"}, Model: "gpt"}
	r, err = e.NewRoute("down", []lifeline.Target{ant, oaiDown}, append(fastPolicy(), lifeline.WithMaxAttempts(1), lifeline.WithBreaker(breakerConfig(1)))...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // the first opens the breaker, the second finds it open
		_, err = e.Do(context.Background(), r, &lifeline.Request{Dialect: lifeline.OpenAI, Body: []byte(body)})
		if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrUpstreamUnavailable) || le.Status != 503 {
			t.Fatalf("request %d: err = %v, want a 503", i, err)
		}
	}
}

// An Anthropic request with more stop sequences than OpenAI takes (4)
// skips an OpenAI target, which would refuse it, for one that can take it.
func TestTooManyStopSequencesSkipAnOpenAITarget(t *testing.T) {
	body := `{"model":"route","max_tokens":16,"stop_sequences":["a","b","c","d","e"],"messages":[{"role":"user","content":"hi"}]}`
	a := newUpstream(t, openaiD.Good(false))
	b := newUpstream(t, anthropicD.Good(false))
	oai := lifeline.Target{Provider: &lifeline.Provider{Name: "oai", Kind: lifeline.OpenAI, BaseURL: a.URL + "/v1"}, Model: "gpt"}
	ant := lifeline.Target{Provider: &lifeline.Provider{Name: "ant", Kind: lifeline.Anthropic, BaseURL: b.URL}, Model: "claude"}
	e := lifeline.New()
	r, err := e.NewRoute("route", []lifeline.Target{oai, ant}, fastPolicy()...)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.Do(context.Background(), r, &lifeline.Request{Dialect: lifeline.Anthropic, Body: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Target != "ant/claude" || len(resp.Attempts) != 1 || a.Count() != 0 {
		t.Fatalf("served by %s after %d attempts, %d calls to the OpenAI target", resp.Target, len(resp.Attempts), a.Count())
	}
}

// x-should-retry: true makes a quota 429 retryable on the same target.
func TestShouldRetryTrueRetriesAQuotaError(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			quota := func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("x-should-retry", "true")
				d.Quota(w, r)
			}
			a := newUpstream(t, quota, d.Good(false))
			b := newUpstream(t, d.Good(false))
			f := newFixture(t, d, []string{a.URL, b.URL})
			resp, _, err := f.do(false)
			wantClasses(t, resp, err, "p0/m0:exhausted", "p0/m0:ok")
		})
	}
}

// A hint as long as max_wait fits it: it is waited for, and the wait is
// not made longer than max_wait by its jitter.
func TestHintEqualToMaxWaitIsWaitedFor(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		a := up.on("a.invalid", clockedReply(429, map[string]string{"retry-after": "60"}, rateLimitBody(d)), clockedReply(200, nil, d.OK))
		b := up.on("b.invalid", clockedReply(200, nil, d.OK))
		f := newFixtureWith(t, []lifeline.Option{lifeline.WithHTTPClient(up.client()), lifeline.WithRand(func() float64 { return 0.5 })},
			d, []string{a, b}, lifeline.WithMaxWait(time.Minute), lifeline.WithTimeouts(lifeline.Timeouts{Total: time.Hour}))
		start := time.Now()
		resp, _, err := f.do(false)
		wantClasses(t, resp, err, "p0/m0:wait", "p0/m0:ok")
		if el := time.Since(start); el != time.Minute {
			t.Fatalf("waited %v, want max_wait's minute", el)
		}
	})
}

// A route that moves on from rejected requests returns the last
// provider's rejection when every target rejects, not a 503.
func TestRejectedByEveryTargetIsTheProvidersError(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			a := newUpstream(t, d.BadReq)
			b := newUpstream(t, d.BadReq)
			f := newFixture(t, d, []string{a.URL, b.URL}, lifeline.WithAction(classify.Rejected, lifeline.Next))
			_, _, err := f.do(false)
			var le *lifeline.Error
			if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrRejected) || le.Status != 400 || le.Upstream == nil {
				t.Fatalf("err = %v, want the provider's rejection", err)
			}
			if a.Count() != 1 || b.Count() != 1 {
				t.Fatalf("calls a=%d b=%d, want one each", a.Count(), b.Count())
			}
		})
	}
}

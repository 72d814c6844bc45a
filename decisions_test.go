package lifeline_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/budget"
	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/internal/syncbuffer"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
	"github.com/lifelinehq/lifeline/validate"
)

// clockedReply answers at once with status, the headers and a JSON body.
func clockedReply(status int, header map[string]string, body string) clockedStep {
	return func(ctx context.Context) (*http.Response, error) {
		h := http.Header{"Content-Type": {"application/json"}}
		for k, v := range header {
			h.Set(k, v)
		}
		return &http.Response{
			StatusCode: status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h,
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)),
		}, nil
	}
}

// rateLimitBody is a rate-limit 429 body of the dialect.
func rateLimitBody(d dialect) string {
	if d.Kind == lifeline.Anthropic {
		return `{"type":"error","error":{"type":"rate_limit_error","message":"rate limited"}}`
	}
	return `{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}`
}

// A route that retries rate-limited answers (wait: retry) retries a 429
// without a hint on the same target: the cool-down the 429 starts must not
// refuse the retry the route asks for.
func TestRetryActionRetriesHintlessRateLimitOnSameTarget(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		a := up.on("a.invalid", clockedReply(429, nil, rateLimitBody(d)), clockedReply(200, nil, d.OK))
		b := up.on("b.invalid", clockedReply(200, nil, d.OK))
		f := newFixtureOn(t, up.client(), d, []string{a, b}, lifeline.WithAction(classify.Wait, lifeline.Retry))
		resp, _, err := f.do(false)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:wait", "p0/m0:ok")
	})
}

// When every target answers 429 without a hint, every target cools down
// for the engine's own pause. A request that used its attempts fails at
// once, saying when to come back; the next request, which finds every
// target cooling, waits for the earliest reset instead of failing at once.
func TestAllTargetsCoolingWithoutHintWaits(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		a := up.on("a.invalid", clockedReply(429, nil, rateLimitBody(d)), clockedReply(200, nil, d.OK))
		b := up.on("b.invalid", clockedReply(429, nil, rateLimitBody(d)), clockedReply(200, nil, d.OK))
		f := newFixtureOn(t, up.client(), d, []string{a, b}, lifeline.WithMaxAttempts(1))
		start := time.Now()
		resp, _, err := f.do(false)
		wantClasses(t, resp, err, "p0/m0:wait", "p1/m1:wait")
		var le *lifeline.Error
		if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrUpstreamUnavailable) || le.RetryAfter <= 0 {
			t.Fatalf("err = %v, want upstream_unavailable with a Retry-After", err)
		}
		if el := time.Since(start); el != 0 {
			t.Fatalf("max_attempts 1 used on every target, yet the request waited %v", el)
		}
		start = time.Now()
		resp, _, err = f.do(false)
		wantClasses(t, resp, err, "p0/m0:ok")
		if el := time.Since(start); el <= 0 || el > le.RetryAfter {
			t.Fatalf("served after %v, want after a wait of at most the Retry-After %v", el, le.RetryAfter)
		}
	})
}

// A retry that the store refuses (here: the breaker the attempt itself
// opened) moves the request to the next target: that is a fallback, and
// it is reported as one.
func TestRefusedRetryIsReportedAsFallback(t *testing.T) {
	a := newUpstream(t, openaiD.Server)
	b := newUpstream(t, openaiD.Good(false))
	f := newFixture(t, openaiD, []string{a.URL, b.URL}, lifeline.WithBreaker(breakerConfig(1)))
	resp, _, err := f.do(false)
	if err != nil {
		t.Fatal(err)
	}
	wantClasses(t, resp, err, "p0/m0:transient", "p1/m1:ok")
	fb := f.events.Kind(lifeline.FallbackTaken)
	if len(fb) != 1 || fb[0].Target != "p0/m0" {
		t.Fatalf("fallback events = %+v, want one from p0/m0", fb)
	}
}

// The Retry-After of the final error comes from cool-downs still running,
// not from a hint the request already waited out.
func TestRetryAfterIgnoresEndedCoolDown(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		a := up.on("a.invalid",
			clockedReply(429, map[string]string{"retry-after": "1"}, rateLimitBody(d)),
			clockedReply(429, map[string]string{"retry-after": "30"}, rateLimitBody(d)))
		b := up.on("b.invalid", clockedReply(429, map[string]string{"retry-after": "60"}, rateLimitBody(d)))
		f := newFixtureOn(t, up.client(), d, []string{a, b}, lifeline.WithMaxAttempts(2), lifeline.WithMaxWait(10*time.Second))
		_, _, err := f.do(false)
		var le *lifeline.Error
		if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrUpstreamUnavailable) {
			t.Fatalf("err = %v", err)
		}
		wantClasses(t, nil, err, "p0/m0:wait", "p0/m0:wait", "p1/m1:wait")
		if le.RetryAfter < 29*time.Second || le.RetryAfter > 30*time.Second {
			t.Fatalf("RetryAfter = %v, want the earliest running cool-down, 30s", le.RetryAfter)
		}
	})
}

// Retry-After says when the earliest target may take requests again: a
// request that a target failed without a cool-down (a 500) or skipped for
// a half-open breaker's probe, which may end at any moment, carries none.
func TestNoRetryAfterWhenATargetMayServeAtOnce(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		a := up.on("a.invalid", clockedReply(429, map[string]string{"retry-after": "90"}, rateLimitBody(d)))
		b := up.on("b.invalid", clockedReply(500, nil, `{"error":{"message":"boom","type":"server_error"}}`))
		f := newFixtureOn(t, up.client(), d, []string{a, b}, lifeline.WithMaxAttempts(1))
		_, _, err := f.do(false)
		var le *lifeline.Error
		if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrUpstreamUnavailable) {
			t.Fatalf("err = %v", err)
		}
		wantClasses(t, nil, err, "p0/m0:wait", "p1/m1:transient")
		if le.RetryAfter != 0 {
			t.Fatalf("RetryAfter = %v, but the second target may serve at once", le.RetryAfter)
		}

		// A target whose half-open breaker has its probes out may take a
		// request as soon as they end: no Retry-After either, though the
		// store names the probes' lease.
		p := up.on("p.invalid", clockedReply(200, nil, d.OK))
		f = newFixtureWith(t, []lifeline.Option{lifeline.WithHTTPClient(up.client()), lifeline.WithStore(probingStore{memory.New()})},
			d, []string{a, p}, lifeline.WithMaxAttempts(1))
		_, _, err = f.do(false)
		if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrUpstreamUnavailable) {
			t.Fatalf("err = %v", err)
		}
		if le.RetryAfter != 0 {
			t.Fatalf("RetryAfter = %v, but the probing target may serve at once", le.RetryAfter)
		}

		// A target's latest answer is what counts: a 500, then a 429 that
		// asks for two minutes.
		c := up.on("c.invalid", clockedReply(500, nil, `{"error":{"message":"boom","type":"server_error"}}`),
			clockedReply(429, map[string]string{"retry-after": "120"}, rateLimitBody(d)))
		f = newFixtureOn(t, up.client(), d, []string{c}, lifeline.WithMaxAttempts(2), lifeline.WithMaxWait(time.Minute))
		_, _, err = f.do(false)
		if !errors.As(err, &le) || le.RetryAfter < 119*time.Second || le.RetryAfter > 120*time.Second {
			t.Fatalf("err = %v, RetryAfter %v; want the 429's two minutes", err, le.RetryAfter)
		}
	})
}

// A cool-down set elsewhere (another request, another replica) while the
// request waits out a hint decides how long it then waits for every
// target to cool down: the ended hint does not stand in for it.
func TestCoolingWaitFollowsTheRunningCoolDown(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		st := memory.New()
		up := newClocked()
		a := up.on("a.invalid", func(ctx context.Context) (*http.Response, error) {
			// Half-way through the request's 1s wait, another request
			// learns of a 30s cool-down.
			time.AfterFunc(500*time.Millisecond, func() {
				now := time.Now()
				if _, err := st.Report(context.Background(), "p0/m0", store.Report{Now: now, CoolUntil: now.Add(30 * time.Second), CoolReason: "rate_limited"}); err != nil {
					t.Error(err)
				}
			})
			return clockedReply(429, map[string]string{"retry-after": "1"}, rateLimitBody(d))(ctx)
		}, clockedReply(200, nil, d.OK))
		f := newFixtureWith(t, []lifeline.Option{lifeline.WithHTTPClient(up.client()), lifeline.WithStore(st)}, d, []string{a},
			lifeline.WithMaxAttempts(2), lifeline.WithMaxWait(time.Minute), lifeline.WithTimeouts(lifeline.Timeouts{Total: time.Hour}))
		start := time.Now()
		resp, _, err := f.do(false)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:wait", "p0/m0:ok")
		if el := time.Since(start); el < 30*time.Second {
			t.Fatalf("served after %v, before the 30s cool-down ended", el)
		}
		if n := len(f.events.Kind(lifeline.TargetSkipped)); n != 1 {
			t.Fatalf("the cooling target was skipped %d times, want once: each pass that finds it cooling is one spent", n)
		}
	})
}

// statusFails is a memory store whose Status cannot be read.
type statusFails struct{ *memory.Store }

func (statusFails) Status(context.Context, string, store.StatusQuery) (store.TargetStatus, error) {
	return store.TargetStatus{}, store.ErrUnavailable
}

// A store that cannot say whether a retry would be refused foresees
// nothing: the retry is made, and the store's failure is reported.
func TestRetryForesightStoreFailureIsReported(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		a := up.on("a.invalid", clockedReply(429, map[string]string{"retry-after": "1"}, rateLimitBody(d)), clockedReply(200, nil, d.OK))
		f := newFixtureWith(t, []lifeline.Option{lifeline.WithHTTPClient(up.client()), lifeline.WithStore(statusFails{memory.New()})}, d, []string{a})
		resp, _, err := f.do(false)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:wait", "p0/m0:ok")
		failed := f.events.Kind(lifeline.StoreFailed)
		if len(failed) != 1 || failed[0].Target != "p0/m0" || !errors.Is(failed[0].Err, store.ErrUnavailable) {
			t.Fatalf("store failure events = %+v, want one for p0/m0", failed)
		}
	})
}

// A spent quota says nothing about when to come back but the quota
// cool-down: the rate-limit reset headers on it are not a hint.
func TestQuotaRetryAfterIsTheQuotaCoolDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		up := newClocked()
		quota := `{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}`
		a := up.on("a.invalid", clockedReply(429, map[string]string{
			"x-ratelimit-remaining-requests": "59", "x-ratelimit-reset-requests": "1s",
		}, quota))
		f := newFixtureOn(t, up.client(), openaiD, []string{a})
		for i := range 2 {
			_, _, err := f.do(false)
			var le *lifeline.Error
			if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrUpstreamUnavailable) {
				t.Fatalf("request %d: err = %v", i, err)
			}
			if le.RetryAfter < 9*time.Minute {
				t.Fatalf("request %d: RetryAfter = %v, want the 10m quota cool-down", i, le.RetryAfter)
			}
		}
		if n := up.count("a.invalid"); n != 1 {
			t.Fatalf("exhausted target called %d times", n)
		}
	})
}

// An overloaded target revisited when no other target is left is not
// retried before the time its answer named.
func TestRevisitedOverloadedTargetHonoursHint(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		over := `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`
		status := 529
		if d.Kind == lifeline.OpenAI {
			over, status = `{"error":{"message":"The engine is currently overloaded, please try again later","type":"server_error","code":null}}`, 503
		}
		a := up.on("a.invalid", clockedReply(status, map[string]string{"retry-after": "2"}, over), clockedReply(200, nil, d.OK))
		f := newFixtureOn(t, up.client(), d, []string{a})
		start := time.Now()
		resp, _, err := f.do(false)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:overloaded", "p0/m0:ok")
		if el := time.Since(start); el < 2*time.Second {
			t.Fatalf("retried after %v, before the 2s the target asked for", el)
		}
	})
}

// An answer that fails validation on a route whose action for invalid
// output is stop ends the request as invalid output (502), not as an
// unavailable upstream.
func TestInvalidOutputStopIsInvalidOutput(t *testing.T) {
	a := newUpstream(t, openaiD.Good(false))
	b := newUpstream(t, openaiD.Good(false))
	f := newFixture(t, openaiD, []string{a.URL, b.URL},
		lifeline.WithValidation(validate.Spec{JSON: true}), lifeline.WithAction(classify.Invalid, lifeline.Stop))
	_, _, err := f.do(false)
	var le *lifeline.Error
	if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrInvalidOutput) || le.Status != 502 || le.Code != "invalid_output" {
		t.Fatalf("err = %v", err)
	}
	if b.Count() != 0 {
		t.Fatal("the route said stop, yet the next target was tried")
	}
}

// Auth failures are logged at error level once per target per minute, and
// never with the provider's key.
func TestAuthFailureLoggedOncePerTargetPerMinute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const key = "sk-test-secret"
		up := newClocked()
		auth := clockedReply(401, nil, `{"error":{"message":"Incorrect API key provided: `+key+`","type":"invalid_request_error","code":"invalid_api_key"}}`)
		a := up.on("a.invalid", auth)
		b := up.on("b.invalid", auth)
		var logs syncbuffer.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		f := newFixtureWith(t, []lifeline.Option{lifeline.WithHTTPClient(up.client()), lifeline.WithLogger(log)},
			openaiD, []string{a, b})
		lines := func() []string {
			var out []string
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, "level=ERROR") {
					out = append(out, l)
				}
			}
			return out
		}
		for range 3 {
			if _, _, err := f.do(false); !errors.Is(err, lifeline.ErrUpstreamUnavailable) {
				t.Fatalf("err = %v", err)
			}
			time.Sleep(10 * time.Second)
		}
		if got := lines(); len(got) != 2 || !strings.Contains(got[0], "p0/m0") || !strings.Contains(got[1], "p1/m1") {
			t.Fatalf("error log lines = %q, want one per target", got)
		}
		time.Sleep(time.Minute)
		if _, _, err := f.do(false); !errors.Is(err, lifeline.ErrUpstreamUnavailable) {
			t.Fatalf("err = %v", err)
		}
		if got := lines(); len(got) != 4 {
			t.Fatalf("%d error log lines a minute later, want 4: %q", len(got), got)
		}
		if strings.Contains(logs.String(), key) {
			t.Fatalf("the provider's key reached the log:\n%s", logs.String())
		}
	})
}

// x-should-retry: false on a 429 forbids retrying that target: when every
// target is cooling, the request waits only for the targets it may retry.
func TestShouldRetryFalseRateLimitIsNotRetriedAfterCoolDown(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		no := map[string]string{"retry-after": "1", "x-should-retry": "false"}
		a := up.on("a.invalid", clockedReply(429, no, rateLimitBody(d)), clockedReply(200, nil, d.OK))
		f := newFixtureOn(t, up.client(), d, []string{a})
		start := time.Now()
		if _, _, err := f.do(false); !errors.Is(err, lifeline.ErrUpstreamUnavailable) {
			t.Fatalf("err = %v", err)
		}
		if n := up.count("a.invalid"); n != 1 {
			t.Fatalf("the target said not to retry; called %d times", n)
		}
		if el := time.Since(start); el != 0 {
			t.Fatalf("waited %v for a target it may not retry", el)
		}

		// Another target's cool-down is still waited for: p1/m1 cools
		// down for 2s after a request of another route, and this request,
		// after p0/m0's refusal, waits for it rather than failing.
		a = up.on("a2.invalid", clockedReply(429, no, rateLimitBody(d)), clockedReply(200, nil, d.OK))
		b := up.on("b.invalid", clockedReply(429, map[string]string{"retry-after": "2"}, rateLimitBody(d)),
			clockedReply(200, nil, d.OK))
		f = newFixtureOn(t, up.client(), d, []string{a, b})
		onlyB, err := f.engine.NewRoute("only-b", []lifeline.Target{{
			Provider: &lifeline.Provider{Name: "p1", Kind: d.Kind, BaseURL: b}, Model: "m1"}}, lifeline.WithMaxAttempts(1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.engine.Do(context.Background(), onlyB, &lifeline.Request{Dialect: d.Kind, Body: []byte(d.Request)}); err == nil {
			t.Fatal("the rate-limited target served")
		}
		start = time.Now()
		resp, _, err := f.do(false)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:wait", "p1/m1:ok")
		if el := time.Since(start); el < 2*time.Second {
			t.Fatalf("served after %v, before p1/m1's cool-down ended", el)
		}
		if n := up.count("a2.invalid"); n != 1 {
			t.Fatalf("the target said not to retry; called %d times", n)
		}
	})
}

// FallbackTaken reports a move to another target: a chain whose every
// target fails reports one per target it leaves for the next, and none for
// leaving the last, where nothing follows.
func TestFallbackReportedOnlyWhenATargetFollows(t *testing.T) {
	for _, n := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("%d targets", n), func(t *testing.T) {
			d := openaiD
			var urls []string
			for range n {
				urls = append(urls, newUpstream(t, d.Overloaded).URL)
			}
			f := newFixture(t, d, urls, lifeline.WithMaxAttempts(1))
			if _, _, err := f.do(false); err == nil {
				t.Fatal("a chain of overloaded targets served")
			}
			fb := f.events.Kind(lifeline.FallbackTaken)
			if len(fb) != n-1 {
				t.Fatalf("%d fallbacks reported, want %d: %+v", len(fb), n-1, fb)
			}
			for i, ev := range fb {
				if want := fmt.Sprintf("p%d/m%d", i, i); ev.Target != want {
					t.Fatalf("fallback %d from %q, want %q", i, ev.Target, want)
				}
			}
		})
	}
}

// max_attempts holds across waits for every target's cool-down:
// a target rate-limited on every attempt gets max_attempts of them, and
// the request then fails at once rather than waiting to try it again.
func TestCoolingWaitsKeepMaxAttempts(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		hint := clockedReply(429, map[string]string{"retry-after-ms": "20"}, rateLimitBody(d))
		for _, n := range []int{1, 2, 3} {
			host := fmt.Sprintf("a%d.invalid", n)
			a := up.on(host, hint)
			f := newFixtureOn(t, up.client(), d, []string{a}, lifeline.WithMaxAttempts(n))
			start := time.Now()
			if _, _, err := f.do(false); !errors.Is(err, lifeline.ErrUpstreamUnavailable) {
				t.Fatalf("err = %v", err)
			}
			if got := up.count(host); got != n {
				t.Fatalf("max_attempts %d: %d attempts", n, got)
			}
			// The waits between attempts, and none after the last.
			if el, want := time.Since(start), time.Duration(n-1)*20*time.Millisecond; el < want || el > want+5*time.Millisecond {
				t.Fatalf("max_attempts %d: ended after %v, want about %v", n, el, want)
			}
		}
	})
}

// 502 invalid_output says every target answered badly: when one was
// skipped (here its half-open breaker's probes are out) and the others
// answered invalid output, the request fails 503 upstream_unavailable, as
// the skipped target may serve later.
func TestInvalidWithASkippedTargetIs503(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		a := up.on("a.invalid", clockedReply(200, nil, d.OK))
		p := up.on("p.invalid", clockedReply(200, nil, d.OK))
		f := newFixtureWith(t, []lifeline.Option{lifeline.WithHTTPClient(up.client()), lifeline.WithStore(probingStore{memory.New()})},
			d, []string{a, p}, lifeline.WithValidation(validate.Spec{JSON: true}))
		_, _, err := f.do(false)
		var le *lifeline.Error
		if !errors.As(err, &le) || !errors.Is(err, lifeline.ErrUpstreamUnavailable) || le.Status != 503 {
			t.Fatalf("err = %v, want 503 upstream_unavailable", err)
		}
		wantClasses(t, nil, err, "p0/m0:invalid")
		// With both targets answering, it is 502.
		f = newFixtureOn(t, up.client(), d, []string{a, p}, lifeline.WithValidation(validate.Spec{JSON: true}))
		if _, _, err := f.do(false); !errors.Is(err, lifeline.ErrInvalidOutput) {
			t.Fatalf("err = %v, want invalid_output", err)
		}
		// So it is when a target that answered invalid output is refused
		// a retry (an empty budget): it answered.
		f = newFixtureOn(t, up.client(), d, []string{a}, lifeline.WithValidation(validate.Spec{JSON: true}),
			lifeline.WithAction(classify.Invalid, lifeline.Retry), lifeline.WithMaxAttempts(20),
			lifeline.WithBudget(budget.Config{Ratio: 0.0001, MinPerSecond: 0.0001}), lifeline.WithBreaker(breakerConfig(1000)))
		if _, _, err := f.do(false); !errors.Is(err, lifeline.ErrInvalidOutput) {
			t.Fatalf("retries refused after invalid answers: err = %v, want invalid_output", err)
		}
	})
}

// probingStore refuses every attempt on target p1/m1 as a half-open
// breaker does while its probes are out, for the probes' two-minute lease.
type probingStore struct{ store.Store }

func (s probingStore) Admit(ctx context.Context, name string, a store.Admission) (store.Ticket, error) {
	if name == "p1/m1" {
		return store.Ticket{Reason: store.Probing, Until: a.Now.Add(2 * time.Minute)}, nil
	}
	return s.Store.Admit(ctx, name, a)
}

// A route with no target available, some cooling down after a 429 and the
// rest with their breaker open, waits for the earliest cool-down's end
// when it fits, as when every target cools: an outage of one target does
// not make the others' short rate limit fail the request at once. With
// every breaker open and nothing cooling, it fails fast.
func TestCoolingAndOpenTargetsWaitForTheCoolDown(t *testing.T) {
	inBubbles(t, func(t *testing.T, d dialect) {
		up := newClocked()
		a := up.on("a.invalid", clockedReply(429, map[string]string{"retry-after": "3"}, rateLimitBody(d)), clockedReply(200, nil, d.OK))
		b := up.on("b.invalid", clockedReply(500, nil, `{"error":{"message":"boom","type":"server_error"}}`))
		f := newFixtureOn(t, up.client(), d, []string{a, b}, lifeline.WithMaxAttempts(1), lifeline.WithBreaker(breakerConfig(1)))
		resp, _, err := f.do(false)
		wantClasses(t, resp, err, "p0/m0:wait", "p1/m1:transient")

		// p0/m0 cools down for 3 s, p1/m1's breaker is open for a minute.
		start := time.Now()
		resp, _, err = f.do(false)
		wantClasses(t, resp, err, "p0/m0:ok")
		if el := time.Since(start); el < 3*time.Second || el > 4*time.Second {
			t.Fatalf("served after %v, want after p0/m0's cool-down (3s), not p1/m1's open breaker (1m)", el)
		}
		if n := up.count("b.invalid"); n != 1 {
			t.Fatalf("the open target got %d requests, want 1", n)
		}

		// Both breakers open (p0/m0 fails too), nothing cooling: no wait.
		c := up.on("c.invalid", clockedReply(500, nil, `{"error":{"message":"boom","type":"server_error"}}`))
		f = newFixtureOn(t, up.client(), d, []string{c, b}, lifeline.WithMaxAttempts(1), lifeline.WithBreaker(breakerConfig(1)))
		f.do(false)
		start = time.Now()
		_, _, err = f.do(false)
		if !errors.Is(err, lifeline.ErrUpstreamUnavailable) || time.Since(start) != 0 {
			t.Fatalf("every breaker open: err %v after %v, want upstream_unavailable at once", err, time.Since(start))
		}
	})
}

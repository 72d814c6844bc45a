package lifeline_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/budget"
	"github.com/lifelinehq/lifeline/internal/eventtest"
	"github.com/lifelinehq/lifeline/internal/syncbuffer"
	"github.com/lifelinehq/lifeline/wire"
)

func TestRetryBudgetStopsRetries(t *testing.T) {
	a := newUpstream(t, openaiD.Server)
	b := newUpstream(t, openaiD.Good(false))
	// One token to start with would allow one retry; a tiny budget allows
	// none after the first.
	f := newFixture(t, openaiD, []string{a.URL, b.URL}, lifeline.WithBreaker(breakerConfig(1000)),
		lifeline.WithBudget(budget.Config{Ratio: 0.0001, MinPerSecond: 0.0001}))
	// Drain the initial bucket: capacity is 10 tokens.
	for i := 0; i < 6; i++ {
		if _, _, err := f.do(false); err != nil {
			t.Fatal(err)
		}
	}
	before := a.Count()
	resp, _, err := f.do(false)
	if err != nil {
		t.Fatal(err)
	}
	wantClasses(t, resp, err, "p0/m0:transient", "p1/m1:ok")
	if a.Count()-before != 1 {
		t.Fatalf("retried with an empty budget: %d calls", a.Count()-before)
	}
	if len(f.events.Kind(lifeline.BudgetExhausted)) == 0 {
		t.Fatal("no budget-exhausted event")
	}
}

func TestAllTargetsCoolingWaitsForEarliestReset(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			a := newUpstream(t, d.RateLimit(map[string]string{"retry-after-ms": "80"}), d.Good(false))
			b := newUpstream(t, d.RateLimit(map[string]string{"retry-after-ms": "200"}), d.Good(false))
			// One attempt per target: the first request uses them and
			// fails; the second finds every target cooling down and waits
			// for the earliest reset, p0/m0's.
			f := newFixture(t, d, []string{a.URL, b.URL}, lifeline.WithMaxAttempts(1))
			resp, _, err := f.do(false)
			wantClasses(t, resp, err, "p0/m0:wait", "p1/m1:wait")
			start := time.Now()
			resp, _, err = f.do(false)
			if err != nil {
				t.Fatal(err)
			}
			wantClasses(t, resp, err, "p0/m0:ok")
			if el := time.Since(start); el < 40*time.Millisecond || el > 180*time.Millisecond {
				t.Fatalf("served after %v, want after p0/m0's reset (80ms), before p1/m1's (200ms)", el)
			}
		})
	}
}

func TestSpentQuotaHeadersRouteAroundTarget(t *testing.T) {
	spent := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-ratelimit-remaining-requests", "0")
		w.Header().Set("x-ratelimit-reset-requests", "30s")
		openaiD.Good(false)(w, r)
	}
	a := newUpstream(t, spent)
	b := newUpstream(t, openaiD.Good(false))
	f := newFixture(t, openaiD, []string{a.URL, b.URL})
	for i := 0; i < 3; i++ {
		if _, _, err := f.do(false); err != nil {
			t.Fatal(err)
		}
	}
	if a.Count() != 1 || b.Count() != 2 {
		t.Fatalf("calls a=%d b=%d: the spent target was not paced", a.Count(), b.Count())
	}
}

func TestCrossDialectFallback(t *testing.T) {
	for _, stream := range []bool{false, true} {
		// An OpenAI client whose first target is Anthropic and overloaded,
		// second Anthropic and healthy: answered in the OpenAI dialect.
		a := newUpstream(t, anthropicD.Overloaded)
		b := newUpstream(t, anthropicD.Good(stream))
		f := openAIOverAnthropic(t, a.URL, b.URL)
		resp, body, err := f.do(stream)
		if err != nil {
			t.Fatal(err)
		}
		if cl := resp.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(resp.Body)) {
			t.Fatalf("Content-Length %s for a translated body of %d bytes", cl, len(resp.Body))
		}
		if !strings.Contains(body, "chat.completion") || !strings.Contains(body, "hel") {
			t.Fatalf("stream=%v: answer not in the OpenAI dialect: %s", stream, body)
		}
		if stream && !strings.HasSuffix(body, "data: [DONE]\n\n") {
			t.Fatalf("translated stream does not end with [DONE]: %s", body)
		}
		if !strings.Contains(b.Bodies()[0], `"max_tokens"`) || !strings.Contains(b.Bodies()[0], `"model":"claude-b"`) {
			t.Fatalf("upstream got %s", b.Bodies()[0])
		}
	}
}

// openAIOverAnthropic is a fixture whose OpenAI client is served by two
// Anthropic targets, a/claude-a at aURL and b/claude-b at bURL.
func openAIOverAnthropic(t *testing.T, aURL, bURL string) *fixture {
	t.Helper()
	e := lifeline.New(lifeline.WithRand(func() float64 { return 0 }))
	r, err := e.NewRoute("route", []lifeline.Target{
		{Provider: &lifeline.Provider{Name: "a", Kind: lifeline.Anthropic, BaseURL: aURL}, Model: "claude-a"},
		{Provider: &lifeline.Provider{Name: "b", Kind: lifeline.Anthropic, BaseURL: bURL}, Model: "claude-b"},
	}, fastPolicy()...)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, engine: e, route: r, d: openaiD, events: &eventtest.Recorder{}}
}

// Toward an OpenAI client, an Anthropic stream whose first content is
// thinking, which the OpenAI dialect has no slot for, has given the client
// no model output yet: an error after it still reroutes, and the client
// sees one role chunk and the next target's answer.
func TestCrossDialectThinkingBeforeErrorReroutes(t *testing.T) {
	thinking := []string{
		anthropicD.Stream[0],
		"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}\n\n",
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Let me think\"}}\n\n",
		anthropicD.ErrorEvent("overloaded_error"),
	}
	a := newUpstream(t, events(thinking, false))
	b := newUpstream(t, anthropicD.Good(true))
	f := openAIOverAnthropic(t, a.URL, b.URL)
	resp, body, err := f.do(true)
	if err != nil {
		t.Fatal(err)
	}
	wantClasses(t, resp, err, "a/claude-a:overloaded", "b/claude-b:ok")
	if n := strings.Count(body, `"role":"assistant"`); n != 1 || !strings.HasSuffix(body, "data: [DONE]\n\n") {
		t.Fatalf("%d role chunks, or no clean end:\n%s", n, body)
	}
}

// A setting the target's dialect has no counterpart for is dropped with a
// debug record on the engine's logger, naming the field, never its value.
func TestCrossDialectDropIsLogged(t *testing.T) {
	b := newUpstream(t, anthropicD.Good(false))
	var logs syncbuffer.Buffer
	e := lifeline.New(lifeline.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	r, err := e.NewRoute("route", []lifeline.Target{
		{Provider: &lifeline.Provider{Name: "b", Kind: lifeline.Anthropic, BaseURL: b.URL}, Model: "claude-b"},
	}, fastPolicy()...)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Replace(openaiD.Request, `"messages"`, `"seed":424242,"messages"`, 1)
	if _, err := e.Do(context.Background(), r, &lifeline.Request{Dialect: lifeline.OpenAI, Body: []byte(body)}); err != nil {
		t.Fatal(err)
	}
	if out := logs.String(); !strings.Contains(out, "dropped field") || !strings.Contains(out, "field=seed") || strings.Contains(out, "424242") {
		t.Fatalf("logs:\n%s", out)
	}
}

func TestParseDeadline(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		h    http.Header
		want time.Time
		err  bool
	}{
		{http.Header{}, time.Time{}, false},
		{http.Header{"X-Lifeline-Timeout": {"45s"}}, now.Add(45 * time.Second), false},
		{http.Header{"X-Lifeline-Deadline": {"2026-01-02T03:05:00Z"}}, now.Add(55 * time.Second), false},
		{http.Header{"X-Lifeline-Deadline": {"2026-01-02t03:05:00.5z"}}, now.Add(55500 * time.Millisecond), false},
		{http.Header{"X-Lifeline-Deadline": {"2026-01-02T05:05:00+02:00"}}, now.Add(55 * time.Second), false},
		{http.Header{"X-Lifeline-Deadline": {"1767323100000"}}, time.UnixMilli(1767323100000), false},
		{http.Header{"X-Lifeline-Deadline": {"2026-01-02T03:06:00Z"}, "X-Lifeline-Timeout": {"10s"}}, now.Add(10 * time.Second), false},
		{http.Header{"X-Lifeline-Timeout": {"soon"}}, time.Time{}, true},
		{http.Header{"X-Lifeline-Timeout": {"-5s"}}, time.Time{}, true},
		{http.Header{"X-Lifeline-Deadline": {"tomorrow"}}, time.Time{}, true},
		// A leap second is the last instant of 23:59:59, the latest time a
		// time.Time can name before the next day.
		{http.Header{"X-Lifeline-Deadline": {"2026-01-02T23:59:60Z"}}, time.Date(2026, 1, 2, 23, 59, 59, 999999999, time.UTC), false},
		{http.Header{"X-Lifeline-Deadline": {"2026-01-03t00:59:60.5+01:00"}}, time.Date(2026, 1, 2, 23, 59, 59, 999999999, time.UTC), false},
		{http.Header{"X-Lifeline-Deadline": {"2026-01-02T12:00:60Z"}}, time.Time{}, true},
	}
	for _, c := range cases {
		got, err := lifeline.ParseDeadline(c.h, now)
		if (err != nil) != c.err || !got.Equal(c.want) {
			t.Errorf("%v: got %v, %v; want %v (err %v)", c.h, got, err, c.want, c.err)
		}
		if err != nil && !errors.Is(err, lifeline.ErrBadDeadline) {
			t.Errorf("%v: error %v is not ErrBadDeadline", c.h, err)
		}
	}
}

// A deadline header ParseDeadline refuses gets an error that says what is
// wrong with it, in words a client can act on.
func TestParseDeadlineErrorsSayWhatIsWrong(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		header, value string
		want          []string
	}{
		{"X-Lifeline-Timeout", "9999999h", []string{`X-Lifeline-Timeout "9999999h"`, "too large", "2562047h47m16.854775807s"}},
		{"X-Lifeline-Timeout", "2562047h48m", []string{"too large", "2562047h47m16.854775807s"}},
		{"X-Lifeline-Timeout", "-5s", []string{`"-5s"`, "not positive"}},
		{"X-Lifeline-Timeout", "0", []string{`"0"`, "not positive"}},
		{"X-Lifeline-Timeout", "45", []string{`"45"`, "no unit", "45s"}},
		{"X-Lifeline-Timeout", "soon", []string{`"soon"`, "not a Go duration", "45s"}},
		{"X-Lifeline-Timeout", "5 s", []string{"not a Go duration"}},
		{"X-Lifeline-Timeout", "5sec", []string{"not a Go duration"}},
		{"X-Lifeline-Deadline", "tomorrow", []string{`X-Lifeline-Deadline "tomorrow"`, "neither RFC 3339", "nor Unix milliseconds"}},
		{"X-Lifeline-Deadline", "99999999999999999999", []string{"Unix milliseconds", "too large"}},
		{"X-Lifeline-Deadline", "1767322800000.5", []string{"neither RFC 3339", "nor Unix milliseconds"}},
		{"X-Lifeline-Deadline", "2026-01-02T25:00:00Z", []string{"neither RFC 3339"}},
	} {
		_, err := lifeline.ParseDeadline(http.Header{tc.header: {tc.value}}, now)
		if !errors.Is(err, lifeline.ErrBadDeadline) {
			t.Errorf("%s: %q: error %v, want ErrBadDeadline", tc.header, tc.value, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q: error %q does not say %q", tc.header, tc.value, err, w)
			}
		}
	}
	// The package's errors all say where they come from.
	_, err := lifeline.ParseDeadline(http.Header{"X-Lifeline-Timeout": {"soon"}}, now)
	for _, e := range []error{err, lifeline.ErrBadDeadline, lifeline.ErrUpstreamUnavailable, lifeline.ErrUnsupportedRequest} {
		if !strings.HasPrefix(e.Error(), "lifeline: ") {
			t.Errorf("error %q does not start with \"lifeline: \"", e)
		}
	}
	// The largest duration there is is taken.
	if _, err := lifeline.ParseDeadline(http.Header{"X-Lifeline-Timeout": {"2562047h47m16.854775807s"}}, now); err != nil {
		t.Errorf("the largest duration: %v", err)
	}
}

// A deadline header names a time on the client's wall clock; from the
// request's arrival on it counts on the monotonic clock, as timeouts.total
// does. Compared with the wall clock instead, a step of the host's clock
// (NTP, a resumed VM) would end requests early or let them run past their
// deadline by as much as the step.
func TestParseDeadlineCountsOnTheMonotonicClock(t *testing.T) {
	now := time.Now() // with a monotonic reading
	in := now.Add(30 * time.Second).Round(time.Millisecond)
	for _, h := range []http.Header{
		{"X-Lifeline-Deadline": {in.UTC().Format(time.RFC3339Nano)}},
		{"X-Lifeline-Deadline": {strconv.FormatInt(in.UnixMilli(), 10)}},
		{"X-Lifeline-Timeout": {"30s"}},
	} {
		got, err := lifeline.ParseDeadline(h, now)
		if err != nil {
			t.Fatal(err)
		}
		if d := got.Sub(now); d < 29*time.Second || d > 31*time.Second {
			t.Errorf("%v: deadline %v after now, want 30s", h, d)
		}
		if got == got.Round(0) {
			t.Errorf("%v: deadline %v has no monotonic reading: it would move with the wall clock", h, got)
		}
	}
}

func TestTransportRefusesOtherEndpoints(t *testing.T) {
	f := newFixture(t, openaiD, []string{refusedURL(t)})
	c := &http.Client{Transport: f.engine.Transport(f.route)}
	_, err := c.Get("http://lifeline.invalid/v1/models")
	if !errors.Is(err, lifeline.ErrUnsupportedRequest) {
		t.Fatalf("err = %v", err)
	}
	// An OpenAI Assistants path that ends in /messages is no Anthropic call.
	_, err = c.Post("http://lifeline.invalid/v1/threads/thread_1/messages", "application/json", strings.NewReader(`{"role":"user","content":"hi"}`))
	if !errors.Is(err, lifeline.ErrUnsupportedRequest) {
		t.Fatalf("threads messages: err = %v", err)
	}
}

// A request body over the Transport's bound is answered with a 413 in the
// request's dialect, which an SDK does not send again, before it is read.
func TestTransportAnswersAnOversizedBodyWith413(t *testing.T) {
	f := newFixture(t, openaiD, []string{refusedURL(t)})
	c := &http.Client{Transport: f.engine.Transport(f.route)}
	req, _ := http.NewRequest(http.MethodPost, "http://lifeline.invalid/v1/chat/completions", io.LimitReader(neverRead{t}, 64<<20+1))
	req.ContentLength = 64<<20 + 1
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || resp.Header.Get("X-Should-Retry") != "false" || !strings.Contains(string(body), "request_too_large") {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, body)
	}
}

// neverRead is a body that fails the test when read.
type neverRead struct{ t *testing.T }

func (r neverRead) Read([]byte) (int, error) {
	r.t.Error("the oversized body was read")
	return 0, io.EOF
}

func TestEchoedProviderKeyNeverReachesTheCaller(t *testing.T) {
	const key = "sk-test-secret" // the fixture's provider key
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			echo := func(w http.ResponseWriter, r *http.Request) {
				got := r.Header.Get("X-Api-Key") + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				reply(401, nil, `{"error":{"type":"authentication_error","message":"invalid key `+got+`"}}`)(w, r)
			}
			bad := func(w http.ResponseWriter, r *http.Request) {
				reply(400, nil, `{"error":{"type":"invalid_request_error","message":"bad request from `+key+`"}}`)(w, r)
			}
			a := newUpstream(t, echo)
			b := newUpstream(t, bad)
			f := newFixture(t, d, []string{a.URL, b.URL})
			_, _, err := f.do(false)
			var le *lifeline.Error
			if !errors.As(err, &le) {
				t.Fatalf("err = %v", err)
			}
			for _, s := range []string{err.Error(), string(le.Body(d.Kind)), string(lifeline.AttemptsJSON(le.Attempts))} {
				if strings.Contains(s, key) {
					t.Fatalf("provider key leaked: %s", s)
				}
			}
		})
	}
}

// A provider that echoes the key in a header of its error (a request id
// built from it, say) does not pass it on either: neither in the typed
// error's upstream headers nor in the headers the Transport returns.
func TestEchoedProviderKeyInAnErrorHeaderNeverReachesTheCaller(t *testing.T) {
	const key = "sk-test-secret" // the fixture's provider key
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			echo := func(w http.ResponseWriter, r *http.Request) {
				got := r.Header.Get("X-Api-Key") + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				w.Header()["Request-Id"] = []string{"req_1", "for " + got}
				reply(400, nil, `{"error":{"type":"invalid_request_error","message":"bad request"}}`)(w, r)
			}
			f := newFixture(t, d, []string{newUpstream(t, echo).URL})
			_, _, err := f.do(false)
			var le *lifeline.Error
			if !errors.As(err, &le) || le.Upstream == nil {
				t.Fatalf("err = %v", err)
			}
			if got := le.Upstream.Header["Request-Id"]; len(got) != 2 || got[0] != "req_1" || strings.Contains(got[1], key) {
				t.Fatalf("the upstream's Request-Id: %q", got)
			}
			path := "/v1/chat/completions"
			if d.Kind == wire.Anthropic {
				path = "/v1/messages"
			}
			req, _ := http.NewRequest(http.MethodPost, "http://lifeline.invalid"+path, strings.NewReader(d.Request))
			resp, err := (&http.Client{Transport: f.engine.Transport(f.route)}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 400 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for k, vs := range resp.Header {
				for _, v := range vs {
					if strings.Contains(v, key) {
						t.Fatalf("provider key leaked in %s: %s", k, v)
					}
				}
			}
		})
	}
}

func TestRetryAfterOnlyFromHintsThatConcernTheFailure(t *testing.T) {
	// A 500 that carries ordinary, unspent rate-limit headers gives no
	// Retry-After.
	a := newUpstream(t, reply(500, map[string]string{
		"x-ratelimit-remaining-requests": "9999", "x-ratelimit-reset-requests": "2s",
	}, `{"error":{"message":"boom","type":"server_error","code":null}}`))
	f := newFixture(t, openaiD, []string{a.URL})
	_, _, err := f.do(false)
	var le *lifeline.Error
	if !errors.As(err, &le) || le.RetryAfter != 0 {
		t.Fatalf("err = %v, RetryAfter %v", err, le.RetryAfter)
	}
	// A 503 with Retry-After gives it.
	b := newUpstream(t, reply(503, map[string]string{"retry-after": "7"}, `{"error":{"message":"busy","type":"server_error","code":null}}`))
	f = newFixture(t, openaiD, []string{b.URL}, lifeline.WithMaxAttempts(1))
	_, _, err = f.do(false)
	if !errors.As(err, &le) || le.RetryAfter < 6*time.Second {
		t.Fatalf("err = %v, RetryAfter %v", err, le.RetryAfter)
	}
}

// A retry the store would refuse after its wait (here: the retry budget is
// empty) is foreseen before the wait: the request moves on at once instead
// of sleeping out a wait that cannot end in an attempt.
func TestEmptyBudgetMovesOnWithoutWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		up := newClocked()
		fail := clockedReply(500, map[string]string{"retry-after": "2"}, `{"error":{"message":"boom","type":"server_error","code":null}}`)
		a := up.on("a.invalid", fail)
		b := up.on("b.invalid", clockedReply(200, nil, openaiD.OK))
		f := newFixtureOn(t, up.client(), openaiD, []string{a, b}, lifeline.WithBreaker(breakerConfig(1000)),
			lifeline.WithBudget(budget.Config{Ratio: 0.0001, MinPerSecond: 0.0001}))
		// Five requests spend the bucket's 10 tokens on two retries each.
		for range 5 {
			if _, _, err := f.do(false); err != nil {
				t.Fatal(err)
			}
		}
		before, start := up.count("a.invalid"), time.Now()
		resp, _, err := f.do(false)
		if err != nil {
			t.Fatal(err)
		}
		wantClasses(t, resp, err, "p0/m0:transient", "p1/m1:ok")
		if el := time.Since(start); el != 0 {
			t.Fatalf("waited %v for a retry the empty budget refuses", el)
		}
		if up.count("a.invalid")-before != 1 {
			t.Fatalf("%d calls to the first target, want 1", up.count("a.invalid")-before)
		}
		if len(f.events.Kind(lifeline.BudgetExhausted)) != 1 {
			t.Fatalf("budget-exhausted events: %+v", f.events.Kind(lifeline.BudgetExhausted))
		}
	})
}

// A negative count, duration or rate is refused when the route is built,
// naming the field; zero keeps meaning the default.
func TestNewRouteRefusesNegativeSettings(t *testing.T) {
	e := lifeline.New()
	chain := []lifeline.Target{{Provider: &lifeline.Provider{Name: "p", Kind: lifeline.OpenAI, BaseURL: "http://p.invalid/v1"}, Model: "m"}}
	for _, tc := range []struct {
		opt   lifeline.RouteOption
		field string
	}{
		{lifeline.WithMaxAttempts(-1), "Retry.MaxAttempts"},
		{lifeline.WithMaxWait(-time.Second), "Retry.MaxWait"},
		{lifeline.WithTimeouts(lifeline.Timeouts{Attempt: -time.Second}), "Timeouts.Attempt"},
		{lifeline.WithBreaker(breaker.Config{FailureRate: 1.5}), "Breaker.FailureRate"},
		{lifeline.WithBudget(budget.Config{Ratio: -0.1}), "Retry.Budget.Ratio"},
	} {
		if _, err := e.NewRoute("r", chain, tc.opt); err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: err = %v", tc.field, err)
		}
	}
	r, err := e.NewRoute("r", chain, lifeline.WithMaxAttempts(0), lifeline.WithTimeouts(lifeline.Timeouts{}))
	if err != nil || r.Policy().Retry.MaxAttempts != 3 {
		t.Fatalf("zero settings: %v, max attempts %d", err, r.Policy().Retry.MaxAttempts)
	}
}

// Do refuses a call it cannot make with ErrBadRequest, not a panic.
func TestDoRefusesMissingRouteOrDialect(t *testing.T) {
	e := lifeline.New()
	r, err := e.NewRoute("r", []lifeline.Target{{Provider: &lifeline.Provider{Name: "p", Kind: lifeline.OpenAI, BaseURL: "http://p.invalid/v1"}, Model: "m"}})
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"no route": func() error {
			_, err := e.Do(context.Background(), nil, &lifeline.Request{Dialect: lifeline.OpenAI})
			return err
		},
		"no request": func() error { _, err := e.Do(context.Background(), r, nil); return err },
		"no dialect": func() error {
			_, err := e.Do(context.Background(), r, &lifeline.Request{Body: []byte(openaiD.Request)})
			return err
		},
	} {
		if err := call(); !errors.Is(err, lifeline.ErrBadRequest) {
			t.Errorf("%s: err = %v, want ErrBadRequest", name, err)
		}
	}
}

// ParseAction reads a config name exactly, as every config name is read,
// and its error says which names there are.
func TestParseActionNames(t *testing.T) {
	for _, a := range []lifeline.Action{lifeline.Retry, lifeline.Wait, lifeline.Next, lifeline.Reroute, lifeline.Stop} {
		if got, err := lifeline.ParseAction(a.String()); err != nil || got != a {
			t.Errorf("ParseAction(%q) = %v, %v; want %v", a.String(), got, err, a)
		}
	}
	for _, s := range []string{"", "Retry", " stop", "wait\n", "action(1)"} {
		_, err := lifeline.ParseAction(s)
		if err == nil {
			t.Errorf("ParseAction(%q) succeeded", s)
			continue
		}
		if want := "lifeline: unknown action " + strconv.Quote(s) + " (want retry, wait, next, reroute or stop)"; err.Error() != want {
			t.Errorf("ParseAction(%q) error %q, want %q", s, err, want)
		}
	}
}

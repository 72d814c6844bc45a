package gateway_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/wire"
)

// The status table of the gateway's HTTP interface: every error lifeline
// produces, in the client's dialect.

func TestEveryTargetFailedIs503(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.Overloaded)
		b := newUpstream(t, d.Server)
		g := newGW(t, d, []string{a.URL, b.URL}, lifeline.WithMaxAttempts(1))
		ans := g.send(d, stream)
		e := wantError(t, d, ans, 503, "upstream_unavailable")
		wantClasses(t, e, "p0/m0:overloaded", "p1/m1:transient")
		if e.Attempts[0].Status != overloadedStatus(d) || e.Attempts[1].Status != 500 {
			t.Fatalf("attempt statuses %d, %d", e.Attempts[0].Status, e.Attempts[1].Status)
		}
		if ra := ans.header.Get("Retry-After"); ra != "" {
			t.Fatalf("Retry-After %q without any hint", ra)
		}
		if ans.header.Get("X-Lifeline-Route") != "route" || ans.header.Get("X-Lifeline-Attempts") != "2" {
			t.Fatalf("headers %v", ans.header)
		}
		if got := ans.header.Get("X-Lifeline-Target"); got != "" {
			t.Fatalf("X-Lifeline-Target %q on an answer no target served", got)
		}
	})
}

func TestUnavailableWithAHintCarriesRetryAfter(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, d.RateLimit(map[string]string{"retry-after": "90"}))
		g := newGW(t, d, []string{a.URL}, lifeline.WithMaxWait(time.Second))
		ans := g.send(d, stream)
		e := wantError(t, d, ans, 503, "upstream_unavailable")
		wantClasses(t, e, "p0/m0:wait")
		if e.Attempts[0].Status != 429 {
			t.Fatalf("attempt status %d", e.Attempts[0].Status)
		}
		ra, err := strconv.Atoi(ans.header.Get("Retry-After"))
		if err != nil || ra < 80 || ra > 90 {
			t.Fatalf("Retry-After %q, want about 90 seconds", ans.header.Get("Retry-After"))
		}
		// Every target is cooling: the next request fails at once, still
		// telling the client when to come back.
		ans = g.send(d, stream)
		e = wantError(t, d, ans, 503, "upstream_unavailable")
		if len(e.Attempts) != 0 || a.Count() != 1 || ans.header.Get("Retry-After") == "" {
			t.Fatalf("attempts %v, upstream calls %d, Retry-After %q", e.Attempts, a.Count(), ans.header.Get("Retry-After"))
		}
	})
}

func TestDeadlineIs504(t *testing.T) {
	modes(t, func(t *testing.T, d dialect, stream bool) {
		a := newUpstream(t, hang())
		g := newGW(t, d, []string{a.URL})
		for _, header := range []func() []string{
			func() []string { return []string{"X-Lifeline-Timeout", "200ms"} },
			func() []string {
				return []string{"X-Lifeline-Deadline", strconv.FormatInt(time.Now().Add(200*time.Millisecond).UnixMilli(), 10)}
			},
			func() []string {
				return []string{"X-Lifeline-Deadline", time.Now().Add(200 * time.Millisecond).Format(time.RFC3339Nano)}
			},
		} {
			start := time.Now()
			hdr := header()
			ans := g.send(d, stream, hdr...)
			e := wantError(t, d, ans, 504, "deadline_exceeded")
			if len(e.Attempts) != 1 || e.Attempts[0].Status != 0 {
				t.Fatalf("%s: attempts %+v", hdr[0], e.Attempts)
			}
			if el := time.Since(start); el > 3*time.Second {
				t.Fatalf("%s: answered after %v", hdr[0], el)
			}
		}

		// timeouts.total bounds the whole request the same way.
		short := newGW(t, d, []string{a.URL}, lifeline.WithTimeouts(lifeline.Timeouts{Total: 200 * time.Millisecond}))
		wantError(t, d, short.send(d, stream), 504, "deadline_exceeded")

		// A rate-limit wait that cannot fit the deadline is not started.
		r := newUpstream(t, d.RateLimit(map[string]string{"retry-after": "30"}))
		g = newGW(t, d, []string{r.URL}, lifeline.WithMaxWait(time.Minute))
		start := time.Now()
		wantError(t, d, g.send(d, stream, "X-Lifeline-Timeout", "5s"), 504, "deadline_exceeded")
		if el := time.Since(start); el > 2*time.Second {
			t.Fatalf("took %v: slept toward a wait that cannot fit", el)
		}
	})
}

func TestUnknownRouteIs404WithoutUpstreamCall(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		a := newUpstream(t, d.Good(false))
		g := newGW(t, d, []string{a.URL})
		ans := g.post(d.path, strings.Replace(d.Request, `"route"`, `"nope"`, 1))
		e := wantError(t, d, ans, 404, "model_not_found")
		if !strings.Contains(e.Message, "nope") || len(e.Attempts) != 0 {
			t.Fatalf("message %q attempts %v", e.Message, e.Attempts)
		}
		if a.Count() != 0 {
			t.Fatalf("%d upstream calls", a.Count())
		}
	})
}

func TestClientKeys(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		a := newUpstream(t, d.Good(false))
		g := startGW(t, gateway.Config{
			Routes: []gateway.RouteSpec{route("route", on(d, a.URL)), route("other", on(d, a.URL))},
			Keys:   []gateway.Key{{Key: clientKey, Routes: []string{"*"}}, {Key: "narrow-key-0123456789", Routes: []string{"other"}}},
		})
		for _, tc := range []struct {
			name   string
			hdr    []string
			status int
			typ    string
		}{
			{"no key", nil, 401, "authentication_error"},
			{"wrong bearer", []string{"Authorization", "Bearer wrong"}, 401, "authentication_error"},
			{"wrong x-api-key", []string{"X-Api-Key", "wrong"}, 401, "authentication_error"},
			{"not a bearer", []string{"Authorization", "Basic " + clientKey}, 401, "authentication_error"},
			{"both headers wrong", []string{"Authorization", "Bearer wrong", "X-Api-Key", "wrong too"}, 401, "authentication_error"},
			{"route not allowed", []string{"Authorization", "Bearer narrow-key-0123456789"}, 403, "permission_error"},
		} {
			ans := g.send(d, false, tc.hdr...)
			e := wantError(t, d, ans, tc.status, tc.typ)
			if len(e.Attempts) != 0 {
				t.Fatalf("%s: attempts %v", tc.name, e.Attempts)
			}
			if a.Count() != 0 {
				t.Fatalf("%s: the upstream was called", tc.name)
			}
		}
		for _, hdr := range [][]string{
			{"Authorization", "Bearer " + clientKey},
			{"Authorization", "bearer " + clientKey},
			// RFC 6750 §2.1: "Bearer" 1*SP token.
			{"Authorization", "Bearer  " + clientKey},
			{"X-Api-Key", clientKey},
			// An SDK given both an API key and an auth token sends both
			// headers (an Anthropic key left in the environment, say): the
			// one that holds a client key is the client key.
			{"X-Api-Key", "sk-ant-a-provider-key", "Authorization", "Bearer " + clientKey},
			{"X-Api-Key", clientKey, "Authorization", "Bearer sk-a-provider-key"},
		} {
			wantServed(t, g.send(d, false, hdr...), "p0/m0", 1)
		}
		ans := g.post(d.path, strings.Replace(d.Request, `"route"`, `"other"`, 1), "X-Api-Key", "narrow-key-0123456789")
		wantServed(t, ans, "p0/m0", 1)
	})
}

func TestBadInputIs400WithoutUpstreamCall(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		a := newUpstream(t, d.Good(false))
		g := newGW(t, d, []string{a.URL})
		for _, tc := range []struct {
			name string
			body string
			hdr  []string
		}{
			{"malformed JSON", `{"model":"route","messages":[`, nil},
			{"not an object", `["route"]`, nil},
			{"empty body", ``, nil},
			{"missing model", `{"messages":[{"role":"user","content":"hi"}]}`, nil},
			{"model not a string", `{"model":7,"messages":[{"role":"user","content":"hi"}]}`, nil},
			{"missing messages", `{"model":"route"}`, nil},
			{"empty messages", `{"model":"route","max_tokens":5,"messages":[]}`, nil},
			{"messages not an array", `{"model":"route","max_tokens":5,"messages":"hi"}`, nil},
			{"bad deadline", d.Request, []string{"X-Lifeline-Deadline", "tomorrow"}},
			{"bad timeout", d.Request, []string{"X-Lifeline-Timeout", "-5s"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ans := g.post(d.path, tc.body, tc.hdr...)
				e := wantError(t, d, ans, 400, "invalid_request_error")
				if len(e.Attempts) != 0 {
					t.Fatalf("attempts %v", e.Attempts)
				}
			})
		}
		if a.Count() != 0 {
			t.Fatalf("bad input reached the upstream %d times", a.Count())
		}
	})
}

// A deadline header the gateway refuses gets a 400 whose message, in the
// client's dialect, says what is wrong with it.
func TestBadDeadlineHeaderSaysWhy(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		a := newUpstream(t, d.Good(false))
		g := newGW(t, d, []string{a.URL})
		for _, tc := range []struct{ header, value, why string }{
			{"X-Lifeline-Timeout", "9999999h", "is too large: the largest is 2562047h47m16.854775807s"},
			{"X-Lifeline-Timeout", "-5s", "is not positive"},
			{"X-Lifeline-Timeout", "45", "has no unit"},
			{"X-Lifeline-Timeout", "soon", "is not a Go duration such as 45s"},
			{"X-Lifeline-Deadline", "tomorrow", "is neither RFC 3339"},
		} {
			ans := g.send(d, false, tc.header, tc.value)
			wantError(t, d, ans, 400, "invalid_request_error")
			var body struct {
				Error struct {
					Message string `json:"message"`
				} `json:"error"`
			}
			if err := json.Unmarshal([]byte(ans.body), &body); err != nil {
				t.Fatal(err)
			}
			if m := body.Error.Message; !strings.Contains(m, tc.header+` "`+tc.value+`" `+tc.why) {
				t.Errorf("%s: %s: message %q does not say %q", tc.header, tc.value, m, tc.why)
			}
		}
		if a.Count() != 0 {
			t.Fatalf("a refused deadline reached the upstream %d times", a.Count())
		}
	})
}

func TestBodyOverLimitIs413WithoutUpstreamCall(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		a := newUpstream(t, d.Good(false))
		g := startGW(t, gateway.Config{Routes: []gateway.RouteSpec{route("route", on(d, a.URL))}, MaxBody: 1024})
		big := strings.Replace(d.Request, `"hi"`, `"`+strings.Repeat("x", 2048)+`"`, 1)
		wantError(t, d, g.post(d.path, big), 413, "request_too_large")

		// Without a Content-Length the limit holds while reading.
		req, err := http.NewRequest(http.MethodPost, g.ts.URL+d.path, io.MultiReader(strings.NewReader(big)))
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = -1
		ans := g.do(req)
		wantError(t, d, ans, 413, "request_too_large")

		// Just under the limit passes.
		fits := strings.Replace(d.Request, `"hi"`, `"`+strings.Repeat("x", 1024-len(d.Request))+`"`, 1)
		if len(fits) > 1024 {
			t.Fatalf("fixture of %d bytes", len(fits))
		}
		wantServed(t, g.post(d.path, fits), "p0/m0", 1)
		if a.Count() != 1 {
			t.Fatalf("%d upstream calls, want only the one that fit", a.Count())
		}
	})
}

func TestErrorsOfOtherMethodsAndPaths(t *testing.T) {
	each(t, func(t *testing.T, d dialect) {
		a := newUpstream(t, d.Good(false))
		g := newGW(t, d, []string{a.URL})
		// Errors an SDK can read: its dialect, x-should-retry: false.
		ans := g.get(d.path)
		wantError(t, d, ans, http.StatusMethodNotAllowed, "invalid_request_error")
		if ans.header.Get("Allow") != "POST" {
			t.Fatalf("Allow = %q", ans.header.Get("Allow"))
		}
		notFound := "invalid_request_error"
		if d.Kind == wire.Anthropic {
			notFound = "not_found_error"
		}
		wantError(t, openaiD, g.post("/v1/completions", d.Request), http.StatusNotFound, "invalid_request_error")
		wantError(t, d, g.post(d.path+"/extra", d.Request), http.StatusNotFound, notFound)
		if ans := g.post("/metrics", ""); ans.status != http.StatusMethodNotAllowed || ans.header.Get("Allow") != "GET, HEAD" {
			t.Fatalf("POST on a GET endpoint: %d %v", ans.status, ans.header)
		}
		// The other endpoints still answer.
		for _, p := range []string{"/", "/healthz", "/readyz", "/metrics", "/api/status", "/v1/models"} {
			if ans := g.get(p); ans.status != 200 {
				t.Fatalf("GET %s: %d", p, ans.status)
			}
		}
		if a.Count() != 0 {
			t.Fatal(fmt.Sprint(a.Count(), " upstream calls"))
		}
	})
}

// overloadedStatus is the status of the dialect's overloaded fixture.
func overloadedStatus(d dialect) int {
	if d.Kind == wire.Anthropic {
		return 529
	}
	return 503
}

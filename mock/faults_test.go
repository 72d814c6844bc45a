package mock

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/wire"
)

// errorWant is the error response a provider sends for a fault.
type errorWant struct {
	status    int
	typ, code string // code: OpenAI error.code or Anthropic details.error_code
	message   string // a substring of the message
}

// httpFaults lists the error response of every HTTP-level fault, per dialect.
var httpFaults = []struct {
	fault     Fault
	arg       string
	anthropic errorWant
	openai    errorWant
}{
	{RateLimit, "", errorWant{429, "rate_limit_error", "", "rate limit"}, errorWant{429, "requests", "rate_limit_exceeded", "Rate limit reached"}},
	{Quota, "", errorWant{429, "rate_limit_error", "enforced_spend_limit_reached", "usage limits"}, errorWant{429, "insufficient_quota", "insufficient_quota", "quota"}},
	{Quota, "organization_spend_limit_exceeded", errorWant{429, "rate_limit_error", "enforced_spend_limit_reached", ""}, errorWant{429, "insufficient_quota", "organization_spend_limit_exceeded", ""}},
	{Overloaded, "", errorWant{529, "overloaded_error", "", "Overloaded"}, errorWant{503, "server_error", "", "overloaded"}},
	{ServerError, "", errorWant{500, "api_error", "", ""}, errorWant{500, "server_error", "", ""}},
	{BadGateway, "", errorWant{status: 502}, errorWant{status: 502}},
	{Unavailable, "", errorWant{503, "api_error", "", "Unavailable"}, errorWant{503, "server_error", "", "Unavailable"}},
	{ContextLength, "", errorWant{400, "invalid_request_error", "", "prompt is too long"}, errorWant{400, "invalid_request_error", "context_length_exceeded", "maximum context length"}},
	{BadRequest, "", errorWant{400, "invalid_request_error", "", ""}, errorWant{400, "invalid_request_error", "empty_array", ""}},
	{Auth, "", errorWant{401, "authentication_error", "", ""}, errorWant{401, "invalid_request_error", "invalid_api_key", ""}},
	// Stream faults on a non-streaming request: the status they stand for.
	{StreamErrorBefore, "", errorWant{529, "overloaded_error", "", ""}, errorWant{503, "server_error", "", "overloaded"}},
	{StreamErrorAfter, "server_error", errorWant{500, "api_error", "", ""}, errorWant{500, "server_error", "", ""}},
}

// Each HTTP-level fault sends the provider's status, error body and
// headers, for streaming and non-streaming requests alike.
func TestHTTPFaults(t *testing.T) {
	srv, ts := startServer(t, Config{})
	for _, hf := range httpFaults {
		for _, dl := range dialects {
			for _, stream := range []bool{false, true} {
				if stream && hf.fault.streamOnly() {
					continue // covered by the stream tests
				}
				t.Run(fmt.Sprintf("%s/%s/%s/stream=%v", hf.fault, hf.arg, dl.d, stream), func(t *testing.T) {
					want := hf.openai
					if dl.d == wire.Anthropic {
						want = hf.anthropic
					}
					resp := post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, kText, stream),
						"X-Mock-Fault", string(hf.fault), "X-Mock-Fault-Arg", hf.arg)
					body, _ := readAll(resp.Body)
					if resp.StatusCode != want.status {
						t.Fatalf("status %d, want %d: %s", resp.StatusCode, want.status, body)
					}
					checkCommonHeaders(t, dl.d, resp.Header)
					if got := resp.Header.Get("X-Mock-Fault"); got != string(hf.fault) {
						t.Errorf("X-Mock-Fault %q", got)
					}
					if hf.fault == BadGateway {
						if ct := resp.Header.Get("Content-Type"); ct != "text/html" || !strings.Contains(string(body), "502 Bad Gateway") {
							t.Errorf("502: content type %q body %q", ct, body)
						}
					} else {
						if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
							t.Errorf("content type %q", ct)
						}
						u := errorBody(t, dl.d, body)
						if u.Type != want.typ || u.Code != want.code || !strings.Contains(u.Message, want.message) {
							t.Errorf("error %+v, want %+v", u, want)
						}
						if dl.d == wire.Anthropic && u.RequestID != resp.Header.Get("Request-Id") {
							t.Errorf("request_id %q, header %q", u.RequestID, resp.Header.Get("Request-Id"))
						}
						if hf.fault == Unavailable && strings.Contains(strings.ToLower(u.Message), "overload") {
							t.Errorf("unavailable says overloaded: %q", u.Message)
						}
					}
					rid := resp.Header.Get("Request-Id") + resp.Header.Get("X-Request-Id")
					e, ok := srv.Lookup(rid)
					if !ok || e.Fault != hf.fault || !e.Forced || e.Valid || e.Status != want.status || e.ID != "" {
						t.Errorf("ledger entry %+v (found %v)", e, ok)
					}
				})
			}
		}
	}
}

// rate_limit announces its wait in the chosen format, and the spent limit
// has -remaining: 0.
func TestRateLimitHints(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 500e6, time.UTC)
	_, ts := startServer(t, Config{Now: func() time.Time { return now }, HintAfter: 2500 * time.Millisecond})
	type hdrs map[string]string // "" means absent
	cases := []struct {
		arg       string
		anthropic hdrs
		openai    hdrs
	}{
		{"", // the configured default: retry-after seconds, 2.5s rounded up
			hdrs{"Retry-After": "3", "Retry-After-Ms": "", "Anthropic-Ratelimit-Requests-Remaining": "0", "Anthropic-Ratelimit-Requests-Reset": "2026-03-04T05:06:10Z"},
			hdrs{"Retry-After": "3", "Retry-After-Ms": "", "X-Ratelimit-Remaining-Requests": "0", "X-Ratelimit-Reset-Requests": "2.5s"}},
		{"retry-after-ms:250ms",
			hdrs{"Retry-After": "", "Retry-After-Ms": "250", "Anthropic-Ratelimit-Requests-Remaining": "0", "Anthropic-Ratelimit-Requests-Reset": "2026-03-04T05:06:08Z"},
			hdrs{"Retry-After": "", "Retry-After-Ms": "250", "X-Ratelimit-Remaining-Requests": "0", "X-Ratelimit-Reset-Requests": "250ms"}},
		{"http-date:2s",
			hdrs{"Retry-After": "Wed, 04 Mar 2026 05:06:10 GMT", "Retry-After-Ms": ""},
			hdrs{"Retry-After": "Wed, 04 Mar 2026 05:06:10 GMT", "Retry-After-Ms": ""}},
		{"reset:6m",
			hdrs{"Retry-After": "", "Retry-After-Ms": "", "Anthropic-Ratelimit-Requests-Remaining": "0", "Anthropic-Ratelimit-Requests-Reset": "2026-03-04T05:12:08Z"},
			hdrs{"Retry-After": "", "Retry-After-Ms": "", "X-Ratelimit-Remaining-Requests": "0", "X-Ratelimit-Reset-Requests": "6m0s"}},
		{"none",
			hdrs{"Retry-After": "", "Retry-After-Ms": "", "Anthropic-Ratelimit-Requests-Reset": "", "Anthropic-Ratelimit-Tokens-Reset": ""},
			hdrs{"Retry-After": "", "Retry-After-Ms": "", "X-Ratelimit-Reset-Requests": "", "X-Ratelimit-Reset-Tokens": ""}},
	}
	for _, tc := range cases {
		for _, dl := range dialects {
			resp := post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, kText, false),
				"X-Mock-Fault", "rate_limit", "X-Mock-Fault-Arg", tc.arg)
			want := tc.openai
			if dl.d == wire.Anthropic {
				want = tc.anthropic
			}
			if resp.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("status %d", resp.StatusCode)
			}
			for k, v := range want {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("arg %q %s: %s = %q, want %q", tc.arg, dl.d, k, got, v)
				}
			}
		}
	}
}

// The configured hint format applies to drawn and forced faults alike.
func TestRateLimitConfiguredHint(t *testing.T) {
	_, ts := startServer(t, Config{Hint: HintRetryAfterMS, Faults: map[Fault]float64{RateLimit: 1}})
	resp := post(t, context.Background(), ts.URL, pathOpenAI, requestBody(wire.OpenAI, kText, false))
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After-Ms") != "1000" || resp.Header.Get("Retry-After") != "" {
		t.Errorf("status %d headers %v", resp.StatusCode, resp.Header)
	}
}

// A body over the Messages API's limit is refused with 413, whether its
// length is declared or it comes in chunks; a body at the limit is read.
func TestBodyOverTheLimitIs413(t *testing.T) {
	_, ts := startServer(t, Config{})
	for _, tc := range []struct {
		name    string
		size    int
		chunked bool
		want413 bool
	}{
		{"declared, at the limit", maxBody, false, false},
		{"declared, over it", maxBody + 1, false, true},
		{"chunked, at the limit", maxBody, true, false},
		{"chunked, over it", maxBody + 1, true, true},
		{"chunked, well over it", maxBody + 1<<20, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader = bytes.NewReader(bytes.Repeat([]byte(" "), tc.size))
			if tc.chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			req, err := http.NewRequest(http.MethodPost, ts.URL+pathOpenAI, body)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got413 := resp.StatusCode == 413; got413 != tc.want413 {
				t.Fatalf("status %d; want 413: %v", resp.StatusCode, tc.want413)
			}
		})
	}
}

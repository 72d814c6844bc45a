package classify_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/wire"
)

// row is one case of a dialect table test. Every case but those marked
// unknown must be matched by a table row (Result.Known).
type row struct {
	name     string
	status   int
	body     string
	inStream bool
	want     classify.Class
	unknown  bool
}

func runTable(t *testing.T, d wire.Dialect, rows []row) {
	t.Helper()
	c := classify.New(d, nil)
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			r := c.Classify(classify.Signal{Status: tc.status, Body: body, InStream: tc.inStream})
			if r.Class != tc.want {
				t.Errorf("class = %v, want %v (error %+v)", r.Class, tc.want, r.Error)
			}
			if r.Known == tc.unknown {
				t.Errorf("known = %v, want %v", r.Known, !tc.unknown)
			}
		})
	}
}

// Anthropic error bodies (PROVIDERS §1.1, §1.2, §1.6).
const (
	antRateLimit      = `{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for your organization (8a6d1c2e) of 50,000 input tokens per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase."},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}`
	antSpendLimit     = `{"type":"error","error":{"type":"rate_limit_error","message":"You have reached your organization's monthly spend limit. Access resumes at the start of next month or when you upgrade your tier.","details":{"error_code":"enforced_spend_limit_reached"}},"request_id":"req_011CSHpQ4nXkQw3xJ2rT8sVb"}`
	antBilling        = `{"type":"error","error":{"type":"billing_error","message":"There is an issue with your billing. Please update your payment method."},"request_id":"req_011CSHq1"}`
	antWorkspaceLimit = `{"type":"error","error":{"type":"invalid_request_error","message":"You have reached your specified workspace API usage limits. You will regain access on 2026-10-01 at 00:00 UTC."},"request_id":"req_011CSHq2"}`
	antCredit         = `{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."},"request_id":"req_011CSHq3"}`
	antOverloaded     = `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011CSHq4"}`
	antAPIError       = `{"type":"error","error":{"type":"api_error","message":"Internal server error"},"request_id":"req_011CSHq5"}`
	antTimeout        = `{"type":"error","error":{"type":"timeout_error","message":"Request timed out"},"request_id":"req_011CSHq6"}`
	antInvalid        = `{"type":"error","error":{"type":"invalid_request_error","message":"messages: roles must alternate between \"user\" and \"assistant\", but found multiple \"user\" roles in a row"},"request_id":"req_011CSHq7"}`
	antTooLong        = `{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 215093 tokens > 200000 maximum"},"request_id":"req_011CSHq8"}`
	antContextLimit   = `{"type":"error","error":{"type":"invalid_request_error","message":"input length and ` + "`max_tokens`" + ` exceed context limit: 188240 + 21333 > 200000, decrease input length or ` + "`max_tokens`" + ` and try again"},"request_id":"req_011CSHq9"}`
	antAuth           = `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},"request_id":"req_011CSHr1"}`
	antPermission     = `{"type":"error","error":{"type":"permission_error","message":"Your API key does not have permission to use the specified resource."},"request_id":"req_011CSHr2"}`
	antNotFound       = `{"type":"error","error":{"type":"not_found_error","message":"model: claude-opus-9-nope"},"request_id":"req_011CSHr3"}`
	antTooLarge       = `{"type":"error","error":{"type":"request_too_large","message":"Request exceeds the maximum allowed number of bytes."},"request_id":"req_011CSHr4"}`
)

// Bodies that are not provider JSON: a Cloudflare page, a proxy's text.
const (
	cloudflare413 = "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
	cloudflare502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
	envoy503      = "upstream connect error or disconnect/reset before headers. reset reason: connection failure"
	proxy503      = "Service Unavailable: backend OVERLOADED, try again later"
)

func TestAnthropicTable(t *testing.T) {
	runTable(t, wire.Anthropic, []row{
		{name: "429 rate_limit_error", status: 429, body: antRateLimit, want: classify.Wait},
		{name: "429 bare", status: 429, want: classify.Wait},
		{name: "429 html", status: 429, body: "<html>Too Many Requests</html>", want: classify.Wait},
		{name: "429 enforced_spend_limit_reached", status: 429, body: antSpendLimit, want: classify.Exhausted},
		{name: "402 billing_error", status: 402, body: antBilling, want: classify.Exhausted},
		{name: "402 bare", status: 402, want: classify.Exhausted},
		{name: "400 workspace usage limit", status: 400, body: antWorkspaceLimit, want: classify.Exhausted},
		{name: "400 credit balance too low", status: 400, body: antCredit, want: classify.Exhausted},
		{name: "529 overloaded_error", status: 529, body: antOverloaded, want: classify.Overloaded},
		{name: "529 bare", status: 529, want: classify.Overloaded},
		{name: "503 overloaded_error", status: 503, body: antOverloaded, want: classify.Overloaded},
		{name: "503 message says overloaded", status: 503, body: `{"type":"error","error":{"type":"api_error","message":"Service is Overloaded"}}`, want: classify.Overloaded},
		{name: "503 text says overloaded", status: 503, body: proxy503, want: classify.Overloaded},
		{name: "503 envoy", status: 503, body: envoy503, want: classify.Transient},
		{name: "500 api_error", status: 500, body: antAPIError, want: classify.Transient},
		{name: "502 cloudflare", status: 502, body: cloudflare502, want: classify.Transient},
		{name: "504 timeout_error", status: 504, body: antTimeout, want: classify.Transient},
		{name: "408", status: 408, want: classify.Transient},
		{name: "400 invalid_request_error", status: 400, body: antInvalid, want: classify.Rejected},
		{name: "422", status: 422, body: antInvalid, want: classify.Rejected},
		{name: "413 cloudflare html", status: 413, body: cloudflare413, want: classify.Rejected},
		{name: "413 request_too_large", status: 413, body: antTooLarge, want: classify.Rejected},
		{name: "409 lock timeout", status: 409, body: `{"type":"error","error":{"type":"invalid_request_error","message":"Request conflicted, please retry"}}`, want: classify.Transient},
		{name: "400 prompt is too long", status: 400, body: antTooLong, want: classify.TooLarge},
		{name: "400 exceed context limit", status: 400, body: antContextLimit, want: classify.TooLarge},
		{name: "400 context window", status: 400, body: `{"type":"error","error":{"type":"invalid_request_error","message":"The request exceeds the model's context window."}}`, want: classify.TooLarge},
		{name: "401 authentication_error", status: 401, body: antAuth, want: classify.Auth},
		{name: "403 permission_error", status: 403, body: antPermission, want: classify.Auth},
		{name: "404 not_found_error", status: 404, body: antNotFound, want: classify.NotFound},
		{name: "200", status: 200, body: `{"type":"message"}`, want: classify.OK},
		{name: "204", status: 204, want: classify.OK},

		// Errors inside a 200 stream: the 200 says nothing.
		{name: "stream overloaded_error", status: 200, body: antOverloaded, inStream: true, want: classify.Overloaded},
		{name: "stream api_error", status: 200, body: antAPIError, inStream: true, want: classify.Transient},
		{name: "stream timeout_error", status: 200, body: antTimeout, inStream: true, want: classify.Transient},
		{name: "stream rate_limit_error", status: 200, body: antRateLimit, inStream: true, want: classify.Wait},
		{name: "stream spend limit", status: 200, body: antSpendLimit, inStream: true, want: classify.Exhausted},
		{name: "stream prompt too long", status: 200, body: antTooLong, inStream: true, want: classify.TooLarge},
		{name: "stream unknown type", status: 200, body: `{"type":"error","error":{"type":"brand_new_error","message":"?"}}`, inStream: true, want: classify.Transient, unknown: true},
		{name: "stream unreadable", status: 200, body: `not json`, inStream: true, want: classify.Transient, unknown: true},
		{name: "stream type decides, not status", status: 529, body: antAPIError, inStream: true, want: classify.Transient},
		{name: "stream no status", status: 0, body: antOverloaded, inStream: true, want: classify.Overloaded},

		// No row: the safe default.
		{name: "418 unknown", status: 418, body: `{"type":"error","error":{"type":"teapot_error","message":"short and stout"}}`, want: classify.Rejected, unknown: true},
		{name: "400 unknown type", status: 400, body: `{"type":"error","error":{"type":"brand_new_error","message":"?"}}`, want: classify.Rejected, unknown: true},
		{name: "429 unknown type", status: 429, body: `{"type":"error","error":{"type":"brand_new_error","message":"?"}}`, want: classify.Wait, unknown: true},
		{name: "429 invalid_request_error", status: 429, body: `{"type":"error","error":{"type":"invalid_request_error","message":"Too many requests"}}`, want: classify.Wait},
		{name: "501 unknown", status: 501, want: classify.Transient, unknown: true},
		{name: "301 unknown", status: 301, want: classify.NotFound, unknown: true},
		{name: "308 unknown", status: 308, body: "<html>Permanent Redirect</html>", want: classify.NotFound, unknown: true},
		{name: "no status", status: 0, want: classify.Transient, unknown: true},
	})
}

// OpenAI error bodies (PROVIDERS §2.1, §2.2, §2.5).
const (
	oaiRateLimit = `{"error":{"message":"Rate limit reached for gpt-4o in organization org-8a6d1c2e on tokens per min (TPM): Limit 30000, Used 29850, Requested 1200. Please try again in 2.1s. Visit https://platform.openai.com/account/rate-limits to learn more.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}`
	// An older rate-limit message that links to the billing page.
	oaiRateLimitBilling = `{"error":{"message":"Rate limit reached for default-gpt-3.5-turbo in organization org-8a6d1c2e on requests per min. Limit: 3 / min. Please try again in 20s. Please add a payment method to your account to increase your rate limit. Visit https://platform.openai.com/account/billing to add a payment method.","type":"requests","param":null,"code":"rate_limit_exceeded"}}`
	oaiQuota            = `{"error":{"message":"You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`
	oaiContextLength    = `{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130412 tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`
	oaiInvalid          = `{"error":{"message":"Invalid value for 'temperature': expected a number between 0 and 2.","type":"invalid_request_error","param":"temperature","code":"invalid_value"}}`
	oaiInvalidAPIKey    = `{"error":{"message":"Incorrect API key provided: sk-proj-****abcd. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`
	oaiRegion           = `{"error":{"code":"unsupported_country_region_territory","message":"Country, region, or territory not supported","param":null,"type":"request_forbidden"}}`
	oaiModelNotFound    = `{"error":{"message":"The model ` + "`gpt-9-nope`" + ` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}`
	oaiServerError      = `{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}`
	oaiEngineOverload   = `{"error":{"message":"The engine is currently overloaded, please try again later","type":"server_error","param":null,"code":null}}`
	oaiSlowDown         = `{"error":{"message":"Slow Down: please reduce your request rate.","type":"server_error","param":null,"code":"slow_down"}}`
	// vLLM and other compatible servers put the error at the top level.
	vllmTooLong = `{"object":"error","message":"This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.","type":"BadRequestError","param":null,"code":400}`
)

func oaiQuotaCode(typ, code string) string {
	return `{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"` + typ + `","param":null,"code":"` + code + `"}}`
}

func TestOpenAITable(t *testing.T) {
	rows := []row{
		{name: "429 rate_limit_exceeded", status: 429, body: oaiRateLimit, want: classify.Wait},
		{name: "429 rate limit linking billing", status: 429, body: oaiRateLimitBilling, want: classify.Wait},
		{name: "429 bare", status: 429, want: classify.Wait},
		{name: "429 invalid_request_error", status: 429, body: `{"error":{"message":"Too many requests, slow down","type":"invalid_request_error","param":null,"code":null}}`, want: classify.Wait},
		{name: "429 insufficient_quota", status: 429, body: oaiQuota, want: classify.Exhausted},
		{name: "429 type insufficient_quota code null", status: 429, body: `{"error":{"message":"quota","type":"insufficient_quota","param":null,"code":null}}`, want: classify.Exhausted},
		{name: "402 bare", status: 402, want: classify.Exhausted},
		{name: "429 credit message only", status: 429, body: `{"error":{"message":"Insufficient credits. Add more using https://example.com/credits","code":429}}`, want: classify.Exhausted},
		{name: "400 context_length_exceeded", status: 400, body: oaiContextLength, want: classify.TooLarge},
		{name: "400 context length, top-level error", status: 400, body: vllmTooLong, want: classify.TooLarge},
		{name: "400 context window message", status: 400, body: `{"error":{"message":"Your input exceeds the context window of this model. Please adjust your input and try again.","type":"invalid_request_error","param":"input","code":null}}`, want: classify.TooLarge},
		{name: "400 invalid_request_error", status: 400, body: oaiInvalid, want: classify.Rejected},
		{name: "422", status: 422, body: `{"error":{"message":"Idempotency-Key reused with a different body","type":"invalid_request_error","param":null,"code":null}}`, want: classify.Rejected},
		{name: "413", status: 413, body: cloudflare413, want: classify.Rejected},
		{name: "401 invalid_api_key", status: 401, body: oaiInvalidAPIKey, want: classify.Auth},
		{name: "403 region", status: 403, body: oaiRegion, want: classify.Auth},
		{name: "404 model_not_found", status: 404, body: oaiModelNotFound, want: classify.NotFound},
		{name: "500 server_error", status: 500, body: oaiServerError, want: classify.Transient},
		{name: "502", status: 502, body: cloudflare502, want: classify.Transient},
		{name: "503 engine overloaded", status: 503, body: oaiEngineOverload, want: classify.Overloaded},
		{name: "503 slow down", status: 503, body: oaiSlowDown, want: classify.Transient},
		{name: "503 bare", status: 503, want: classify.Transient},
		{name: "504", status: 504, want: classify.Transient},
		{name: "408", status: 408, want: classify.Transient},
		{name: "529", status: 529, want: classify.Overloaded},
		{name: "200", status: 200, body: `{"id":"chatcmpl-1"}`, want: classify.OK},

		// Errors inside a 200 stream (a data line {"error":{…}}).
		{name: "stream server_error", status: 200, body: oaiServerError, inStream: true, want: classify.Transient},
		{name: "stream rate_limit_exceeded", status: 200, body: oaiRateLimit, inStream: true, want: classify.Wait},
		{name: "stream insufficient_quota", status: 200, body: oaiQuota, inStream: true, want: classify.Exhausted},
		{name: "stream overloaded_error", status: 200, body: antOverloaded, inStream: true, want: classify.Overloaded},
		{name: "stream no type", status: 200, body: `{"error":{"message":"An error occurred during streaming","type":"","param":null,"code":null}}`, inStream: true, want: classify.Transient, unknown: true},

		// No row: the safe default.
		{name: "400 unknown type", status: 400, body: `{"error":{"message":"?","type":"brand_new","param":null,"code":"brand_new"}}`, want: classify.Rejected, unknown: true},
		{name: "409", status: 409, body: `{"error":{"message":"conflict","type":"conflict","param":null,"code":null}}`, want: classify.Transient},
		{name: "451 unknown", status: 451, want: classify.Rejected, unknown: true},
		{name: "505", status: 505, want: classify.Transient, unknown: true},
		{name: "101", status: 101, want: classify.Transient, unknown: true},
	}
	for _, code := range []string{"insufficient_quota", "credit_balance_exhausted", "organization_usage_limit_exceeded",
		"organization_spend_limit_exceeded", "project_spend_limit_exceeded"} {
		rows = append(rows,
			row{name: "429 insufficient_quota/" + code, status: 429, body: oaiQuotaCode("insufficient_quota", code), want: classify.Exhausted},
			// The code alone decides, whatever the type says.
			row{name: "429 requests/" + code, status: 429, body: oaiQuotaCode("requests", code), want: classify.Exhausted},
		)
	}
	runTable(t, wire.OpenAI, rows)
}

func TestResultCarriesError(t *testing.T) {
	c := classify.New(wire.Anthropic, nil)
	r := c.Classify(classify.Signal{Status: 429, Body: []byte(antSpendLimit)})
	want := wire.UpstreamError{
		Type:      "rate_limit_error",
		Code:      "enforced_spend_limit_reached",
		Message:   "You have reached your organization's monthly spend limit. Access resumes at the start of next month or when you upgrade your tier.",
		RequestID: "req_011CSHpQ4nXkQw3xJ2rT8sVb",
	}
	if r.Error != want {
		t.Errorf("Error = %+v, want %+v", r.Error, want)
	}
	if r = c.Classify(classify.Signal{Status: 413, Body: []byte(cloudflare413)}); r.Error != (wire.UpstreamError{}) {
		t.Errorf("Error of a non-JSON body = %+v, want zero", r.Error)
	}
}

func TestShouldRetry(t *testing.T) {
	cases := []struct {
		name   string
		header http.Header
		want   classify.Retry
	}{
		{"absent", http.Header{}, classify.RetryUnset},
		{"nil header", nil, classify.RetryUnset},
		{"true", http.Header{"X-Should-Retry": {"true"}}, classify.RetryTrue},
		{"TRUE", http.Header{"X-Should-Retry": {"TRUE"}}, classify.RetryTrue},
		{"false", http.Header{"X-Should-Retry": {"false"}}, classify.RetryFalse},
		{"spaced False", http.Header{"X-Should-Retry": {" False "}}, classify.RetryFalse},
		{"unreadable", http.Header{"X-Should-Retry": {"yes"}}, classify.RetryUnset},
		{"empty", http.Header{"X-Should-Retry": {""}}, classify.RetryUnset},
	}
	for _, d := range []wire.Dialect{wire.OpenAI, wire.Anthropic} {
		c := classify.New(d, nil)
		for _, tc := range cases {
			t.Run(d.String()+"/"+tc.name, func(t *testing.T) {
				// The header is read whatever the class: a 529, a 200, a refused connection.
				for _, s := range []classify.Signal{
					{Status: 529, Header: tc.header},
					{Status: 200, Header: tc.header},
					{Status: 200, Header: tc.header, InStream: true, Body: []byte(antOverloaded)},
					{Header: tc.header, Err: context.DeadlineExceeded},
				} {
					if got := c.Classify(s).Retry; got != tc.want {
						t.Errorf("%+v: Retry = %v, want %v", s, got, tc.want)
					}
				}
			})
		}
	}
	// Set through the http.Header API, any spelling of the name works.
	h := http.Header{}
	h.Set("x-should-retry", "false")
	if got := classify.New(wire.OpenAI, nil).Classify(classify.Signal{Status: 500, Header: h}).Retry; got != classify.RetryFalse {
		t.Errorf("Retry = %v, want RetryFalse", got)
	}
}

func TestOKDoesNotAllocate(t *testing.T) {
	c := classify.New(wire.Anthropic, nil)
	s := classify.Signal{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: nil}
	if n := testing.AllocsPerRun(100, func() {
		if c.Classify(s).Class != classify.OK {
			t.Fatal("not OK")
		}
	}); n != 0 {
		t.Errorf("Classify(200) allocates %v times, want 0", n)
	}
}

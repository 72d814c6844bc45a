package classify

import (
	"strings"

	"github.com/lifelinehq/lifeline/wire"
)

// row is one line of a dialect's classification table. Every field that is
// set must match; the zero value of a field matches anything. Rows are
// evaluated in order and the first match wins, so specific rows (a quota
// code on a 429) come before general ones (any 429 rate limit).
type row struct {
	// status is the HTTP status of a non-2xx response. 0 matches any status
	// and also errors inside a stream; a non-zero status never matches an
	// error inside a stream, whose 200 says nothing about the error.
	status int
	// typ is error.type, compared exactly.
	typ string
	// code is error.code (OpenAI) or error.details.error_code (Anthropic),
	// compared exactly.
	code string
	// text must hold for the error's type or its message, or for the raw
	// body when the body held no error object.
	text func(string) bool
	// bare matches only a body that held no readable error object.
	bare bool
	// class is the outcome when the row matches.
	class Class
}

// matches reports whether the row applies to signal s whose body parsed
// (or not) into e; text is e.Message or, for an unparsed body, its raw text.
func (r *row) matches(s *Signal, e *wire.UpstreamError, parsed bool, text string) bool {
	switch {
	case r.status != 0 && (s.InStream || r.status != s.Status),
		r.typ != "" && r.typ != e.Type,
		r.code != "" && r.code != e.Code,
		r.bare && parsed:
		return false
	}
	return r.text == nil || r.text(text) || (parsed && r.text(e.Type))
}

// tableFor returns the table of dialect d; unknown dialects get OpenAI's,
// the format most compatible servers speak.
func tableFor(d wire.Dialect) []row {
	if d == wire.Anthropic {
		return anthropicTable()
	}
	return openAITable()
}

// overloaded reports whether a 503 says the service is overloaded rather
// than down.
func overloaded(s string) bool { return containsFold(s, "overloaded") }

// tooLong reports whether a 400 says the prompt does not fit the context
// window: Anthropic "prompt is too long: 215000 tokens > 200000 maximum" and
// "input length and `max_tokens` exceed context limit", OpenAI and compatible
// servers "This model's maximum context length is …" and "Your input exceeds
// the context window of this model".
func tooLong(s string) bool {
	return containsAnyFold(s, "prompt is too long", "context window", "context length", "context limit")
}

// billing reports whether an error reads as a quota, credit or spend limit
// when no type or code says so: Anthropic "Your credit balance is too low to
// access the Anthropic API", OpenAI "You exceeded your current quota", and
// the credit errors of compatible servers. A bare "billing" is not enough:
// old OpenAI rate-limit messages link to the billing page.
func billing(s string) bool {
	return containsAnyFold(s, "credit balance", "insufficient credit", "insufficient balance",
		"insufficient funds", "exceeded your current quota", "billing hard limit", "spend limit")
}

// workspaceLimit reports Anthropic's 400 for a user-configured spend limit:
// "You have reached your specified (workspace) API usage limits".
func workspaceLimit(s string) bool {
	const p = "You have reached your specified"
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

// openAITable classifies OpenAI Chat Completions errors and those of
// OpenAI-compatible servers.
func openAITable() []row {
	return []row{
		// Quota, credit and spend limits: a 429 that waiting cannot cure.
		// OpenAI keeps type insufficient_quota and puts the cause in code.
		{typ: "insufficient_quota", class: Exhausted},
		{code: "insufficient_quota", class: Exhausted},
		{code: "credit_balance_exhausted", class: Exhausted},
		{code: "organization_usage_limit_exceeded", class: Exhausted},
		{code: "organization_spend_limit_exceeded", class: Exhausted},
		{code: "project_spend_limit_exceeded", class: Exhausted},
		{code: "billing_hard_limit_reached", class: Exhausted},
		{code: "billing_not_active", class: Exhausted},
		{status: 402, class: Exhausted},

		// The context window was exceeded: a larger model may take it.
		{code: "context_length_exceeded", class: TooLarge},

		// Overload: 529, overloaded_error, or a 503 that says so.
		{typ: "overloaded_error", class: Overloaded},
		{status: 529, class: Overloaded},
		{status: 503, text: overloaded, class: Overloaded},

		// Rate limits. OpenAI's type is "requests" or "tokens"; the code says it.
		{code: "rate_limit_exceeded", class: Wait},
		{typ: "rate_limit_exceeded", class: Wait},
		{typ: "rate_limit_error", class: Wait},
		{status: 429, bare: true, class: Wait},

		// Quota and context errors told only by their message.
		{status: 429, text: billing, class: Exhausted},
		{status: 400, text: billing, class: Exhausted},
		{typ: "invalid_request_error", text: billing, class: Exhausted},
		{status: 400, text: tooLong, class: TooLarge},
		{typ: "invalid_request_error", text: tooLong, class: TooLarge},

		// Server-side failures worth a retry.
		{status: 500, class: Transient},
		{status: 502, class: Transient},
		{status: 503, class: Transient},
		{status: 504, class: Transient},
		{status: 408, class: Transient},
		// A lock timeout, or a duplicate still in flight (IETF
		// Idempotency-Key draft); the official SDKs retry it.
		{status: 409, class: Transient},
		{typ: "server_error", class: Transient},
		{typ: "api_error", class: Transient},
		{typ: "timeout_error", class: Transient},

		// The key or the model is wrong for this target, not the request.
		// OpenAI sends 401 and 404 with type invalid_request_error, so these
		// come before the rejection rows.
		{status: 401, class: Auth},
		{status: 403, class: Auth},
		{status: 404, class: NotFound},

		// A 429 is a rate limit whatever type its body gives (quota and
		// spend limits matched above): never a rejection.
		{status: 429, typ: "invalid_request_error", class: Wait},

		// The request itself is wrong.
		{status: 413, class: Rejected},
		{status: 422, class: Rejected},
		{typ: "invalid_request_error", class: Rejected},
	}
}

// anthropicTable classifies Anthropic Messages errors (PROVIDERS §1.2).
func anthropicTable() []row {
	return []row{
		// Spend and billing limits: never retried, whatever the status.
		{code: "enforced_spend_limit_reached", class: Exhausted},
		{typ: "billing_error", class: Exhausted},
		{status: 402, class: Exhausted},
		{typ: "invalid_request_error", text: workspaceLimit, class: Exhausted},

		// Overload: 529, overloaded_error (also inside a 200 stream), or a
		// 503 that says so.
		{typ: "overloaded_error", class: Overloaded},
		{status: 529, class: Overloaded},
		{status: 503, text: overloaded, class: Overloaded},

		// Rate limits (the spend-limit variant matched above).
		{typ: "rate_limit_error", class: Wait},
		{status: 429, bare: true, class: Wait},

		// Credit and context errors, told only by their message: both are
		// 400 invalid_request_error.
		{status: 429, text: billing, class: Exhausted},
		{status: 400, text: billing, class: Exhausted},
		{typ: "invalid_request_error", text: billing, class: Exhausted},
		{status: 400, text: tooLong, class: TooLarge},
		{typ: "invalid_request_error", text: tooLong, class: TooLarge},

		// Server-side failures worth a retry.
		{status: 500, class: Transient},
		{status: 502, class: Transient},
		{status: 503, class: Transient},
		{status: 504, class: Transient},
		{status: 408, class: Transient},
		// A lock timeout, or a duplicate still in flight (IETF
		// Idempotency-Key draft); the official SDKs retry it.
		{status: 409, class: Transient},
		{typ: "api_error", class: Transient},
		{typ: "timeout_error", class: Transient},
		{typ: "server_error", class: Transient},

		// The key or the model is wrong for this target, not the request.
		{status: 401, class: Auth},
		{status: 403, class: Auth},
		{typ: "authentication_error", class: Auth},
		{typ: "permission_error", class: Auth},
		{status: 404, class: NotFound},
		{typ: "not_found_error", class: NotFound},

		// A 429 is a rate limit whatever type its body gives (spend and
		// billing limits matched above): never a rejection.
		{status: 429, typ: "invalid_request_error", class: Wait},

		// The request itself is wrong. 413 comes from Cloudflare with an
		// HTML body, so the status alone decides.
		{status: 413, class: Rejected},
		{typ: "request_too_large", class: Rejected},
		{status: 422, class: Rejected},
		{typ: "invalid_request_error", class: Rejected},
	}
}

// maxRawText bounds how much of an unparsed body the text predicates read.
const maxRawText = 1024

// rawText is the start of a body that held no error object (an HTML page
// from a proxy, plain text), for the text predicates.
func rawText(body []byte) string {
	if len(body) > maxRawText {
		body = body[:maxRawText]
	}
	return string(body)
}

// containsAnyFold reports whether s contains any of the lower-case ASCII
// phrases, ignoring case.
func containsAnyFold(s string, phrases ...string) bool {
	for _, p := range phrases {
		if containsFold(s, p) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case ASCII phrase sub,
// ignoring case, without allocating.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	first := sub[0]
	for i := 0; i+len(sub) <= len(s); i++ {
		if c := s[i]; c == first || c+('a'-'A') == first {
			if strings.EqualFold(s[i:i+len(sub)], sub) {
				return true
			}
		}
	}
	return false
}

package translate

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/lifelinehq/lifeline/internal/textclip"
	"github.com/lifelinehq/lifeline/wire"
)

// Error converts an upstream error body of dialect from into dialect to,
// keeping its type and message (mapped to the closest type of the other
// dialect). The HTTP status is kept by the caller. A body that holds no
// error object (an HTML page from a proxy, plain text) becomes an error of
// the type the status implies, its message naming the status and quoting
// the page title or the start of the text. When from == to the body is
// returned unchanged.
//
// Anthropic error.type → OpenAI error.type / error.code:
//
//	invalid_request_error  → invalid_request_error / null
//	                         (context_length_exceeded when the message says "prompt is too long")
//	authentication_error   → authentication_error / invalid_api_key
//	permission_error       → permission_error / null
//	not_found_error        → invalid_request_error / model_not_found
//	request_too_large      → invalid_request_error / request_too_large
//	rate_limit_error       → requests / rate_limit_exceeded
//	  …with details.error_code enforced_spend_limit_reached
//	                       → insufficient_quota / organization_spend_limit_exceeded
//	billing_error          → insufficient_quota / insufficient_quota
//	api_error              → server_error / null
//	timeout_error          → server_error / timeout
//	overloaded_error       → server_error / overloaded
//
// OpenAI error.type or error.code → Anthropic error.type (first match):
//
//	type insufficient_quota, or code insufficient_quota, credit_balance_exhausted,
//	  organization_usage_limit_exceeded, *_spend_limit_exceeded → billing_error
//	type requests, tokens, rate_limit_error, or code rate_limit_exceeded → rate_limit_error
//	type authentication_error, or code invalid_api_key          → authentication_error
//	type permission_error, request_forbidden, or code
//	  unsupported_country_region_territory                      → permission_error
//	type not_found_error, or code model_not_found               → not_found_error
//	code request_too_large                                      → request_too_large
//	type overloaded_error, code overloaded, or a server_error
//	  whose message says "overloaded"                           → overloaded_error
//	type timeout_error, or code timeout                         → timeout_error
//	type server_error, api_error, internal_error                → api_error
//	type invalid_request_error (context_length_exceeded too)    → invalid_request_error
//
// Any other type, in either direction, maps by status: 400 invalid request,
// 401 authentication, 402 billing, 403 permission, 404 not found, 413 too
// large, 429 rate limit, 503 and 529 overloaded, 504 timeout, other 5xx
// server error, other 4xx invalid request, 0 (an error inside a stream)
// server error.
func Error(from, to wire.Dialect, status int, body []byte) []byte {
	if from == to {
		return body
	}
	u, ok := wire.ParseError(body)
	if !ok {
		u = bodyError(status, body)
	}
	return errorBody(to, u, status)
}

// Restate returns body when it holds an error object, and otherwise writes
// the dialect-d error that Error would make of it: of the type status
// implies, its message naming the status and quoting the page title or
// the start of the text (an HTML page from a proxy in front of a
// provider of dialect d).
func Restate(d wire.Dialect, status int, body []byte) []byte {
	if _, ok := wire.ParseError(body); ok {
		return body
	}
	return errorBody(d, bodyError(status, body), status)
}

// errorBody writes u as an error body of dialect to.
func errorBody(to wire.Dialect, u wire.UpstreamError, status int) []byte {
	if u.Message == "" {
		u.Message = statusText(status)
	}
	if to == wire.OpenAI {
		typ, code := openAIError(u, status)
		return wire.ErrorBody(wire.OpenAI, typ, code, u.Message, nil)
	}
	return wire.ErrorBody(wire.Anthropic, anthropicError(u, status), "", u.Message, nil)
}

// openAIError picks the OpenAI type and code for an error of either
// dialect (an OpenAI-shaped error keeps its own type and code).
func openAIError(u wire.UpstreamError, status int) (typ, code string) {
	switch u.Type {
	case "invalid_request_error":
		if u.Code == "" && strings.Contains(strings.ToLower(u.Message), "prompt is too long") {
			return "invalid_request_error", "context_length_exceeded"
		}
		return "invalid_request_error", u.Code
	case "authentication_error":
		return "authentication_error", "invalid_api_key"
	case "permission_error":
		return "permission_error", ""
	case "not_found_error":
		return "invalid_request_error", "model_not_found"
	case "request_too_large":
		return "invalid_request_error", "request_too_large"
	case "rate_limit_error":
		if u.Code == "enforced_spend_limit_reached" {
			return "insufficient_quota", "organization_spend_limit_exceeded"
		}
		return "requests", "rate_limit_exceeded"
	case "billing_error":
		return "insufficient_quota", "insufficient_quota"
	case "api_error":
		return "server_error", ""
	case "timeout_error":
		return "server_error", "timeout"
	case "overloaded_error":
		return "server_error", "overloaded"
	}
	return openAIErrorForStatus(status)
}

func openAIErrorForStatus(status int) (typ, code string) {
	switch {
	case status == 0:
		return "server_error", ""
	case status == http.StatusUnauthorized:
		return "authentication_error", "invalid_api_key"
	case status == http.StatusPaymentRequired:
		return "insufficient_quota", "insufficient_quota"
	case status == http.StatusForbidden:
		return "permission_error", ""
	case status == http.StatusNotFound:
		return "invalid_request_error", "not_found"
	case status == http.StatusRequestEntityTooLarge:
		return "invalid_request_error", "request_too_large"
	case status == http.StatusTooManyRequests:
		return "requests", "rate_limit_exceeded"
	case status == http.StatusServiceUnavailable || status == 529:
		return "server_error", "overloaded"
	case status == http.StatusGatewayTimeout:
		return "server_error", "timeout"
	case status >= 500:
		return "server_error", ""
	}
	return "invalid_request_error", ""
}

// anthropicError picks the Anthropic error type for an error of either
// dialect.
func anthropicError(u wire.UpstreamError, status int) string {
	t, c := u.Type, u.Code
	switch {
	case t == "insufficient_quota" || c == "insufficient_quota" || c == "credit_balance_exhausted" ||
		c == "organization_usage_limit_exceeded" || strings.HasSuffix(c, "_spend_limit_exceeded") ||
		t == "billing_error":
		return "billing_error"
	case t == "requests" || t == "tokens" || t == "rate_limit_error" || c == "rate_limit_exceeded":
		return "rate_limit_error"
	case t == "authentication_error" || c == "invalid_api_key":
		return "authentication_error"
	case t == "permission_error" || t == "request_forbidden" || c == "unsupported_country_region_territory":
		return "permission_error"
	case t == "not_found_error" || c == "model_not_found":
		return "not_found_error"
	case t == "request_too_large" || c == "request_too_large":
		return "request_too_large"
	case t == "overloaded_error" || c == "overloaded" ||
		t == "server_error" && strings.Contains(strings.ToLower(u.Message), "overloaded"):
		return "overloaded_error"
	case t == "timeout_error" || c == "timeout":
		return "timeout_error"
	case t == "server_error" || t == "api_error" || t == "internal_error":
		return "api_error"
	case t == "invalid_request_error":
		return "invalid_request_error"
	}
	return anthropicErrorForStatus(status)
}

func anthropicErrorForStatus(status int) string {
	switch {
	case status == 0:
		return "api_error"
	case status == http.StatusUnauthorized:
		return "authentication_error"
	case status == http.StatusPaymentRequired:
		return "billing_error"
	case status == http.StatusForbidden:
		return "permission_error"
	case status == http.StatusNotFound:
		return "not_found_error"
	case status == http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case status == http.StatusServiceUnavailable || status == 529:
		return "overloaded_error"
	case status == http.StatusGatewayTimeout:
		return "timeout_error"
	case status >= 500:
		return "api_error"
	}
	return "invalid_request_error"
}

// maxQuote bounds how much of a non-JSON error body is quoted in the
// translated message.
const maxQuote = 200

// bodyError reads a body that holds no error object: a JSON object with a
// top-level "error" string, "message" or "detail"; an HTML page (its
// title); or plain text. The type is left empty so that the status decides.
func bodyError(status int, body []byte) wire.UpstreamError {
	var u wire.UpstreamError
	var obj struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &obj) == nil {
		var s string
		switch {
		case json.Unmarshal(obj.Error, &s) == nil && s != "":
			u.Message = s
		case obj.Message != "":
			u.Message = obj.Message
		case json.Unmarshal(obj.Detail, &s) == nil && s != "":
			u.Message = s
		}
		if u.Message != "" {
			return u
		}
	}
	quote := plainText(body)
	u.Message = "upstream returned HTTP " + strconv.Itoa(status) + " " + statusText(status)
	if quote != "" && !strings.HasSuffix(quote, statusText(status)) {
		u.Message += ": " + quote
	}
	return u
}

// plainText returns the title of an HTML page, or the start of a text body
// on one line, at most maxQuote bytes of valid UTF-8 (a cut one ends in
// an ellipsis).
func plainText(body []byte) string {
	if i := bytes.Index(bytes.ToLower(body), []byte("<title>")); i >= 0 {
		rest := body[i+len("<title>"):]
		if j := bytes.Index(bytes.ToLower(rest), []byte("</title>")); j >= 0 {
			body = rest[:j]
		}
	} else if bytes.HasPrefix(bytes.TrimSpace(body), []byte("<")) {
		return ""
	}
	s := strings.ToValidUTF8(strings.Join(strings.Fields(string(body)), " "), "")
	return textclip.Cut(s, maxQuote)
}

func statusText(status int) string {
	if status == 529 {
		return "Overloaded"
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "error"
}

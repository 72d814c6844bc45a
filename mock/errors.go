package mock

import (
	"net/http"
	"strings"
	"time"

	"github.com/lifelinehq/lifeline/wire"
)

// apiError is one error response as a provider sends it.
type apiError struct {
	status  int
	typ     string // error.type
	code    string // OpenAI error.code; "" is null
	param   string // OpenAI error.param; "" is null
	detail  string // Anthropic error.details.error_code; "" when absent
	message string
	html    bool // the body is the edge proxy's HTML page, not JSON
}

// The edge proxy's page for a 502, as both providers' CDN sends it.
const badGatewayHTML = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
	"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"

// Error messages, as the providers word them.
const (
	msgAOverloaded = "Overloaded"
	msgAServer     = "Internal server error"
	msgOOverloaded = "The engine is currently overloaded, please try again later"
	msgOServer     = "The server had an error while processing your request. Sorry about that!"
	msgOQuota      = "You exceeded your current quota, please check your plan and billing details. " +
		"For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors."
)

// faultError returns the error response of an HTTP-level fault. model is
// the request's model, used in messages as the providers do.
func faultError(f Fault, d wire.Dialect, arg faultArg, model string, wait time.Duration, now time.Time) apiError {
	a := d == wire.Anthropic
	switch f {
	case RateLimit:
		if a {
			return apiError{status: 429, typ: "rate_limit_error", message: "This request would exceed your organization's rate limit of 4,000 requests per minute (model: " +
				model + "). For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. " +
				"Please reduce the prompt length or the maximum tokens requested, or try again later."}
		}
		return apiError{status: 429, typ: "requests", code: "rate_limit_exceeded", message: "Rate limit reached for " + model +
			" in organization org-mock on requests per min (RPM): Limit 10000, Used 10000, Requested 1. Please try again in " +
			wait.String() + ". Visit https://platform.openai.com/account/rate-limits to learn more."}
	case Quota:
		if a {
			y, m, _ := now.UTC().Date()
			next := time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC)
			return apiError{status: 429, typ: "rate_limit_error", detail: "enforced_spend_limit_reached",
				message: "You have reached your specified API usage limits. You will regain access on " + next.Format("2006-01-02") + " at 00:00 UTC."}
		}
		code := "insufficient_quota"
		if arg.word != "" {
			code = arg.word
		}
		return apiError{status: 429, typ: "insufficient_quota", code: code, message: msgOQuota}
	case Overloaded:
		if a {
			return apiError{status: 529, typ: "overloaded_error", message: msgAOverloaded}
		}
		return apiError{status: 503, typ: "server_error", message: msgOOverloaded}
	case ServerError:
		if a {
			return apiError{status: 500, typ: "api_error", message: msgAServer}
		}
		return apiError{status: 500, typ: "server_error", message: msgOServer}
	case BadGateway:
		return apiError{status: 502, html: true, message: badGatewayHTML}
	case Unavailable:
		if a {
			return apiError{status: 503, typ: "api_error", message: "Service Unavailable"}
		}
		return apiError{status: 503, typ: "server_error", message: "Service Unavailable."}
	case ContextLength:
		if a {
			return apiError{status: 400, typ: "invalid_request_error", message: "prompt is too long: 208310 tokens > 200000 maximum"}
		}
		return apiError{status: 400, typ: "invalid_request_error", code: "context_length_exceeded", param: "messages",
			message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130532 tokens. " +
				"Please reduce the length of the messages."}
	case BadRequest:
		if a {
			return apiError{status: 400, typ: "invalid_request_error", message: "messages.0.content: text content blocks must be non-empty"}
		}
		return apiError{status: 400, typ: "invalid_request_error", code: "empty_array", param: "messages",
			message: "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead."}
	case Auth:
		if a {
			return apiError{status: 401, typ: "authentication_error", message: "invalid x-api-key"}
		}
		return apiError{status: 401, typ: "invalid_request_error", code: "invalid_api_key",
			message: "Incorrect API key provided: sk-mock****************. You can find your API key at https://platform.openai.com/account/api-keys."}
	case StreamErrorBefore, StreamErrorAfter:
		// A non-streaming request gets the status the stream error stands for.
		if arg.word == "server_error" {
			return faultError(ServerError, d, arg, model, wait, now)
		}
		return faultError(Overloaded, d, arg, model, wait, now)
	}
	return apiError{status: 500, typ: "api_error", message: "mock: no error response for fault " + string(f)}
}

// streamError returns the in-stream error of stream_error_before/after:
// overloaded unless arg says server_error.
func streamError(d wire.Dialect, arg faultArg) apiError {
	server := arg.word == "server_error"
	switch {
	case d == wire.Anthropic && server:
		return apiError{typ: "api_error", message: msgAServer}
	case d == wire.Anthropic:
		return apiError{typ: "overloaded_error", message: msgAOverloaded}
	case server:
		return apiError{typ: "server_error", message: msgOServer}
	}
	return apiError{typ: "server_error", message: msgOOverloaded}
}

// requestError returns the 400 a provider sends for a body it cannot read.
func requestError(msg string) apiError {
	return apiError{status: 400, typ: "invalid_request_error", message: msg}
}

// notFound returns the provider's answer to an unknown path or method.
func notFound(d wire.Dialect, method, path string) apiError {
	if d == wire.Anthropic {
		return apiError{status: 404, typ: "not_found_error", message: "Not Found"}
	}
	return apiError{status: 404, typ: "invalid_request_error", message: "Invalid URL (" + method + " " + path + ")"}
}

// appendBody appends the error body in dialect d. reqID is the Anthropic
// request id repeated in the body.
func (e *apiError) appendBody(dst []byte, d wire.Dialect, reqID []byte) []byte {
	if e.html {
		return append(dst, e.message...)
	}
	if d == wire.Anthropic {
		dst = append(dst, `{"type":"error","error":{"type":`...)
		dst = appendJSONString(dst, e.typ)
		dst = append(dst, `,"message":`...)
		dst = appendJSONString(dst, e.message)
		if e.detail != "" {
			dst = append(dst, `,"details":{"error_code":`...)
			dst = appendJSONString(dst, e.detail)
			dst = append(dst, '}')
		}
		dst = append(dst, `},"request_id":`...)
		dst = appendJSONString(dst, reqID)
		return append(dst, '}')
	}
	dst = append(dst, `{"error":{"message":`...)
	dst = appendJSONString(dst, e.message)
	dst = append(dst, `,"type":`...)
	dst = appendJSONString(dst, e.typ)
	dst = append(dst, `,"param":`...)
	dst = appendNullable(dst, e.param)
	dst = append(dst, `,"code":`...)
	dst = appendNullable(dst, e.code)
	return append(dst, "}}"...)
}

// appendStreamEvent appends the error as an SSE event: Anthropic
// "event: error", OpenAI a bare data line.
func (e *apiError) appendStreamEvent(dst []byte, d wire.Dialect, reqID []byte) []byte {
	if d == wire.Anthropic {
		dst = append(dst, "event: error\ndata: "...)
	} else {
		dst = append(dst, "data: "...)
	}
	dst = e.appendBody(dst, d, reqID)
	return append(dst, '\n', '\n')
}

func appendNullable(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "null"...)
	}
	return appendJSONString(dst, s)
}

// contentType returns the header value of the error body.
func (e *apiError) contentType() []string {
	if e.html {
		return hvHTML
	}
	return hvJSON
}

// dialectOfPath guesses the dialect of a request to an unknown path.
func dialectOfPath(path string) wire.Dialect {
	if strings.Contains(path, "messages") {
		return wire.Anthropic
	}
	return wire.OpenAI
}

// writeError writes a complete error response.
func (s *Server) writeError(w http.ResponseWriter, rp *reply, e *apiError) {
	body := e.appendBody(rp.sc.out[:0], rp.d, rp.reqID)
	rp.sc.out = body
	h := w.Header()
	h[hContentType] = e.contentType()
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

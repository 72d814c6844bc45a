package wire

import (
	"encoding/json"

	"github.com/lifelinehq/lifeline/sse"
)

// UpstreamError is what a provider's error body says, in either dialect.
type UpstreamError struct {
	Type      string // error.type: rate_limit_error, insufficient_quota, overloaded_error…
	Code      string // error.code (OpenAI) or error.details.error_code (Anthropic)
	Message   string // error.message
	RequestID string // request_id (Anthropic bodies)
}

// ParseError reads an error body of either dialect: OpenAI
// {"error":{"message","type","param","code"}} or Anthropic
// {"type":"error","error":{"type","message","details":{"error_code"}}}.
// It reports false when the body holds no error object.
func ParseError(body []byte) (UpstreamError, bool) {
	var e struct {
		Error *struct {
			Type    string          `json:"type"`
			Code    json.RawMessage `json:"code"`
			Message string          `json:"message"`
			Details *struct {
				ErrorCode string `json:"error_code"`
			} `json:"details"`
		} `json:"error"`
		RequestID string `json:"request_id"`
	}
	if len(body) == 0 || json.Unmarshal(body, &e) != nil || e.Error == nil {
		return UpstreamError{}, false
	}
	u := UpstreamError{Type: e.Error.Type, Message: e.Error.Message, RequestID: e.RequestID}
	if c := e.Error.Code; len(c) > 0 && c[0] == '"' {
		_ = json.Unmarshal(c, &u.Code)
	} else if len(c) > 0 && c[0] != 'n' {
		u.Code = string(c) // numeric codes from compatible servers
	}
	if u.Code == "" && e.Error.Details != nil {
		u.Code = e.Error.Details.ErrorCode
	}
	return u, true
}

// ErrorBody builds an error body in dialect d. extra, when not empty, is a
// JSON object added as the top-level "lifeline" member.
func ErrorBody(d Dialect, typ, code, message string, extra []byte) []byte {
	b := make([]byte, 0, 128+len(message)+len(extra))
	if d == Anthropic {
		b = append(b, `{"type":"error","error":{"type":`...)
		b = appendString(b, typ)
		b = append(b, `,"message":`...)
		b = appendString(b, message)
		b = append(b, '}')
	} else {
		b = append(b, `{"error":{"message":`...)
		b = appendString(b, message)
		b = append(b, `,"type":`...)
		b = appendString(b, typ)
		b = append(b, `,"param":null,"code":`...)
		if code == "" {
			b = append(b, "null"...)
		} else {
			b = appendString(b, code)
		}
		b = append(b, '}')
	}
	if len(extra) > 0 {
		b = append(b, `,"lifeline":`...)
		b = append(b, extra...)
	}
	return append(b, '}')
}

// StreamErrorEvent returns a framed SSE error event in dialect d: Anthropic
// "event: error" with an error body; OpenAI a data line holding
// {"error":{…}}. It is the last event of a stream that failed.
func StreamErrorEvent(d Dialect, typ, code, message string) []byte {
	body := ErrorBody(d, typ, code, message, nil)
	if d == Anthropic {
		return sse.AppendEvent(nil, "error", body)
	}
	return sse.AppendEvent(nil, "", body)
}

package mock

import (
	"fmt"
	"strings"
)

// Fault names one way the mock misbehaves. The zero value and None mean a
// clean, valid answer.
type Fault string

// The faults, in the fixed order in which a mix is drawn.
const (
	None              Fault = "none"                // a clean, valid answer
	RateLimit         Fault = "rate_limit"          // 429 rate limit with a wait hint
	Quota             Fault = "quota"               // 429 quota / spend limit (not a rate limit)
	Overloaded        Fault = "overloaded"          // Anthropic 529 overloaded_error; OpenAI 503 "overloaded"
	ServerError       Fault = "server_error"        // 500
	BadGateway        Fault = "bad_gateway"         // 502 with the edge proxy's HTML page
	Unavailable       Fault = "unavailable"         // 503
	ContextLength     Fault = "context_length"      // 400 context window exceeded
	BadRequest        Fault = "bad_request"         // 400 invalid_request_error
	Auth              Fault = "auth"                // 401
	Hang              Fault = "hang"                // no response headers until the client leaves
	Stall             Fault = "stall"               // the response stops after N events and waits
	StreamErrorBefore Fault = "stream_error_before" // SSE error event before any content
	StreamErrorAfter  Fault = "stream_error_after"  // SSE error event after some content
	Cut               Fault = "cut"                 // the stream ends without its terminal event
	NotJSON           Fault = "not_json"            // structured output that is not JSON
	BadSchema         Fault = "bad_schema"          // JSON that breaks the requested schema
	BadToolArgs       Fault = "bad_tool_args"       // tool arguments that break the tool schema
	Empty             Fault = "empty"               // an empty completion
	MaxTokens         Fault = "max_tokens"          // the answer stops at the token limit
)

// faultInfo documents one fault for --help and the package documentation.
type faultInfo struct {
	fault   Fault
	help    string
	arg     string // what X-Mock-Fault-Arg selects; "" when nothing
	example string // an example header pair
}

// faultTable lists every fault in draw order. It is read-only.
var faultTable = [...]faultInfo{
	{None, "a clean, valid answer (forces no fault)", "", "X-Mock-Fault: none"},
	{RateLimit, "429 rate_limit_error (Anthropic) / rate_limit_exceeded (OpenAI) with a wait hint and -remaining: 0 headers",
		"hint format retry-after|retry-after-ms|http-date|reset|none and/or the wait", "X-Mock-Fault: rate_limit, X-Mock-Fault-Arg: retry-after-ms:250ms"},
	{Quota, "429 that is not a rate limit: OpenAI insufficient_quota, Anthropic details.error_code enforced_spend_limit_reached",
		"OpenAI code (insufficient_quota, credit_balance_exhausted, organization_spend_limit_exceeded, …)", "X-Mock-Fault: quota"},
	{Overloaded, "Anthropic 529 overloaded_error; OpenAI 503 \"The engine is currently overloaded\"", "", "X-Mock-Fault: overloaded"},
	{ServerError, "500 api_error (Anthropic) / server_error (OpenAI)", "", "X-Mock-Fault: server_error"},
	{BadGateway, "502 with the edge proxy's HTML page (not JSON)", "", "X-Mock-Fault: bad_gateway"},
	{Unavailable, "503 service unavailable (body does not say overloaded)", "", "X-Mock-Fault: unavailable"},
	{ContextLength, "400 context window exceeded: OpenAI context_length_exceeded, Anthropic \"prompt is too long\"", "", "X-Mock-Fault: context_length"},
	{BadRequest, "400 invalid_request_error", "", "X-Mock-Fault: bad_request"},
	{Auth, "401 authentication_error (Anthropic) / invalid_api_key (OpenAI)", "", "X-Mock-Fault: auth"},
	{Hang, "no response headers until the client goes away; the connection is dropped after a bound",
		"the bound (default hang_max)", "X-Mock-Fault: hang, X-Mock-Fault-Arg: 30s"},
	{Stall, "stream: stops after N events and sends nothing more (non-stream: half the body) until the client goes away or hang_max",
		"N events and/or the bound (default hang_max)", "X-Mock-Fault: stall, X-Mock-Fault-Arg: 3"},
	{StreamErrorBefore, "stream: an SSE error event (overloaded_error or server error) after the opening events, before any content; non-stream: the matching 529/503/500",
		"overloaded|server_error", "X-Mock-Fault: stream_error_before, X-Mock-Fault-Arg: server_error"},
	{StreamErrorAfter, "stream: an SSE error event after N content events; non-stream: the matching 529/503/500",
		"overloaded|server_error and/or N", "X-Mock-Fault: stream_error_after, X-Mock-Fault-Arg: overloaded:2"},
	{Cut, "stream ends cleanly without its terminal event (message_stop / [DONE]); non-stream: the body is cut mid-way",
		"N events sent before the cut (default: all but the terminal one)", "X-Mock-Fault: cut, X-Mock-Fault-Arg: 4"},
	{NotJSON, "structured output (response_format / output_config.format) that is not JSON", "", "X-Mock-Fault: not_json"},
	{BadSchema, "structured output that is JSON but breaks the schema",
		"missing (drop a required field) | type (wrong type)", "X-Mock-Fault: bad_schema, X-Mock-Fault-Arg: type"},
	{BadToolArgs, "a tool call whose arguments break the tool's schema or are not JSON",
		"schema | not_json", "X-Mock-Fault: bad_tool_args, X-Mock-Fault-Arg: not_json"},
	{Empty, "an empty completion (no text, no tool call)", "", "X-Mock-Fault: empty"},
	{MaxTokens, "the answer stops at the token limit: its text, JSON or tool arguments cut short, Anthropic stop_reason max_tokens, OpenAI finish_reason length",
		"", "X-Mock-Fault: max_tokens"},
}

// numFaults is the number of faults, None included.
const numFaults = len(faultTable)

// Faults returns every fault name in draw order, None first.
func Faults() []Fault {
	out := make([]Fault, numFaults)
	for i := range faultTable {
		out[i] = faultTable[i].fault
	}
	return out
}

// index returns the fault's position in faultTable, or -1 when unknown.
// The empty name is None.
func (f Fault) index() int {
	if f == "" {
		return 0
	}
	for i := range faultTable {
		if faultTable[i].fault == f {
			return i
		}
	}
	return -1
}

// Valid reports whether f names a known fault.
func (f Fault) Valid() bool { return f.index() >= 0 }

// ParseFault returns the fault with the given name (case and surrounding
// spaces ignored). The empty string is None.
func ParseFault(s string) (Fault, error) {
	f := Fault(strings.ToLower(strings.TrimSpace(s)))
	if f == "" {
		return None, nil
	}
	if !f.Valid() {
		return "", fmt.Errorf("unknown fault %q (known: %s)", s, faultNames())
	}
	return f, nil
}

func faultNames() string {
	var b strings.Builder
	for i := range faultTable {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(faultTable[i].fault))
	}
	return b.String()
}

// streamOnly reports whether the fault is defined on the SSE event sequence.
func (f Fault) streamOnly() bool {
	switch f {
	case Stall, StreamErrorBefore, StreamErrorAfter, Cut:
		return true
	}
	return false
}

// content reports whether the fault changes the content of a complete 200
// answer rather than the response itself.
func (f Fault) content() bool {
	switch f {
	case NotJSON, BadSchema, BadToolArgs, Empty, MaxTokens:
		return true
	}
	return false
}

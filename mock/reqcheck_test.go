package mock

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// A request the real provider refuses gets the provider's 400
// invalid_request_error, whatever fault the mix or a header would inject,
// and is recorded in the ledger as a bad request.
func TestMalformedRequestsGetTheProvidersError(t *testing.T) {
	srv, ts := startServer(t, Config{Faults: map[Fault]float64{Overloaded: 1}})
	const user = `[{"role":"user","content":"hi"}]`
	for _, tc := range []struct {
		name        string
		d           wire.Dialect
		body        string
		message     string // the whole message, or its prefix when it ends with "…"
		param, code string // OpenAI
	}{
		{"openai not json", wire.OpenAI, `{"model":"m",`, msgONotJSON, "", ""},
		{"openai empty body", wire.OpenAI, ``, msgONotJSON, "", ""},
		{"openai array body", wire.OpenAI, `[]`, msgONotJSON, "", ""},
		{"openai no model", wire.OpenAI, `{"messages":` + user + `}`, "you must provide a model parameter", "", ""},
		{"openai null model", wire.OpenAI, `{"model":null,"messages":` + user + `}`, "you must provide a model parameter", "", ""},
		{"openai model not a string", wire.OpenAI, `{"model":7,"messages":` + user + `}`,
			"Invalid type for 'model': expected a string, but got an integer instead.", "model", "invalid_type"},
		{"openai no messages", wire.OpenAI, `{"model":"gpt-4o"}`, "Missing required parameter: 'messages'.", "messages", "missing_required_parameter"},
		{"openai empty messages", wire.OpenAI, `{"model":"gpt-4o","messages":[]}`,
			"Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "messages", "empty_array"},
		{"openai messages not an array", wire.OpenAI, `{"model":"gpt-4o","messages":"hi"}`,
			"Invalid type for 'messages': expected an array, but got a string instead.", "messages", "invalid_type"},
		{"anthropic not json", wire.Anthropic, `{"model":"m",`, msgANotJSON + "…", "", ""},
		{"anthropic array body", wire.Anthropic, `[1]`, "body: Input should be a valid dictionary or object to extract fields from", "", ""},
		{"openai stream as a string", wire.OpenAI, `{"model":"gpt-4o","stream":"true","messages":` + user + `}`,
			"Invalid type for 'stream': expected a boolean, but got a string instead.", "stream", "invalid_type"},
		{"openai tools as an object", wire.OpenAI, `{"model":"gpt-4o","tools":{},"messages":` + user + `}`,
			"Invalid type for 'tools': expected an array, but got an object instead.", "tools", "invalid_type"},
		{"anthropic stream as a number", wire.Anthropic, `{"model":"claude","max_tokens":8,"stream":1,"messages":` + user + `}`,
			"stream: Input should be a valid boolean", "", ""},
		{"anthropic tools as a string", wire.Anthropic, `{"model":"claude","max_tokens":8,"tools":"x","messages":` + user + `}`,
			"tools: Input should be a valid list", "", ""},
		{"openai message not an object", wire.OpenAI, `{"model":"gpt-4o","messages":["hi"]}`,
			"Invalid type for 'messages[0]': expected an object, but got a string instead.", "messages[0]", "invalid_type"},
		{"openai message without a role", wire.OpenAI, `{"model":"gpt-4o","messages":[{"role":"user","content":"a"},{"content":"b"}]}`,
			"Missing required parameter: 'messages[1].role'.", "messages[1].role", "missing_required_parameter"},
		{"openai unknown role", wire.OpenAI, `{"model":"gpt-4o","messages":[{"role":"bot","content":"hi"}]}`,
			"Invalid value: 'bot'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
			"messages[0].role", "invalid_value"},
		{"openai user message without content", wire.OpenAI, `{"model":"gpt-4o","messages":[{"role":"user"}]}`,
			"Missing required parameter: 'messages[0].content'.", "messages[0].content", "missing_required_parameter"},
		{"openai content a number", wire.OpenAI, `{"model":"gpt-4o","messages":[{"role":"user","content":7}]}`,
			"Invalid type for 'messages[0].content': expected a string or an array, but got an integer instead.",
			"messages[0].content", "invalid_type"},
		{"openai tool message without its call", wire.OpenAI, `{"model":"gpt-4o","messages":[{"role":"user","content":"a"},` +
			`{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},` +
			`{"role":"tool","content":"r"}]}`,
			"Missing required parameter: 'messages[2].tool_call_id'.", "messages[2].tool_call_id", "missing_required_parameter"},
		{"anthropic message not an object", wire.Anthropic, `{"model":"claude","max_tokens":8,"messages":[1]}`,
			"messages.0: Input should be a valid dictionary or object to extract fields from", "", ""},
		{"anthropic message without a role", wire.Anthropic, `{"model":"claude","max_tokens":8,"messages":[{"content":"hi"}]}`,
			"messages.0.role: Field required", "", ""},
		{"anthropic system message", wire.Anthropic, `{"model":"claude","max_tokens":8,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}`,
			"messages: Unexpected role \"system\". The Messages API accepts a top-level `system` parameter, not \"system\" as an input message role.", "", ""},
		{"anthropic tool role", wire.Anthropic, `{"model":"claude","max_tokens":8,"messages":[{"role":"tool","content":"r"}]}`,
			"messages: Unexpected role \"tool\". Allowed roles are \"user\" or \"assistant\"", "", ""},
		{"anthropic message without content", wire.Anthropic, `{"model":"claude","max_tokens":8,"messages":[{"role":"user"}]}`,
			"messages.0.content: Field required", "", ""},
		{"anthropic empty assistant message", wire.Anthropic, `{"model":"claude","max_tokens":8,"messages":[{"role":"user","content":"a"},{"role":"assistant","content":""},{"role":"user","content":"b"}]}`,
			"messages.1: all messages must have non-empty content except for the optional final assistant message", "", ""},
		{"anthropic empty user message", wire.Anthropic, `{"model":"claude","max_tokens":8,"messages":[{"role":"user","content":[]}]}`,
			"messages.0: all messages must have non-empty content except for the optional final assistant message", "", ""},
		{"anthropic content an object", wire.Anthropic, `{"model":"claude","max_tokens":8,"messages":[{"role":"user","content":{}}]}`,
			"messages.0.content: Input should be a valid list", "", ""},
		{"anthropic no model", wire.Anthropic, `{"max_tokens":8,"messages":` + user + `}`, "model: Field required", "", ""},
		{"anthropic model not a string", wire.Anthropic, `{"model":null,"max_tokens":8,"messages":` + user + `}`, "model: Input should be a valid string", "", ""},
		{"anthropic no messages", wire.Anthropic, `{"model":"claude","max_tokens":8}`, "messages: Field required", "", ""},
		{"anthropic empty messages", wire.Anthropic, `{"model":"claude","max_tokens":8,"messages":[]}`, "messages: at least one message is required", "", ""},
		{"anthropic messages not a list", wire.Anthropic, `{"model":"claude","max_tokens":8,"messages":{}}`, "messages: Input should be a valid list", "", ""},
		{"anthropic no max_tokens", wire.Anthropic, `{"model":"claude","messages":` + user + `}`, "max_tokens: Field required", "", ""},
		{"anthropic max_tokens not an integer", wire.Anthropic, `{"model":"claude","max_tokens":"8","messages":` + user + `}`, "max_tokens: Input should be a valid integer", "", ""},
		{"anthropic max_tokens zero", wire.Anthropic, `{"model":"claude","max_tokens":0,"messages":` + user + `}`, "max_tokens: Input should be greater than or equal to 1", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := pathOpenAI
			if tc.d == wire.Anthropic {
				path = pathAnthropic
			}
			for _, forced := range []string{"", "rate_limit"} {
				var headers []string
				if forced != "" {
					headers = []string{"X-Mock-Fault", forced}
				}
				resp := post(t, context.Background(), ts.URL, path, tc.body, headers...)
				body, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != 400 {
					t.Fatalf("X-Mock-Fault %q: status %d, want 400: %s", forced, resp.StatusCode, body)
				}
				if resp.Header.Get("X-Mock-Fault") != "" {
					t.Errorf("X-Mock-Fault %q sent on a refused request", resp.Header.Get("X-Mock-Fault"))
				}
				u := errorBody(t, tc.d, body)
				if u.Type != "invalid_request_error" {
					t.Errorf("error type %q, want invalid_request_error: %s", u.Type, body)
				}
				if prefix, ok := strings.CutSuffix(tc.message, "…"); ok {
					if !strings.HasPrefix(u.Message, prefix) || len(u.Message) == len(prefix) {
						t.Errorf("message %q, want %q and a detail", u.Message, tc.message)
					}
				} else if u.Message != tc.message {
					t.Errorf("message %q, want %q", u.Message, tc.message)
				}
				if tc.d == wire.OpenAI {
					var e struct {
						Error struct{ Param, Code *string }
					}
					_ = json.Unmarshal(body, &e)
					if deref(e.Error.Param) != tc.param || deref(e.Error.Code) != tc.code {
						t.Errorf("param %v code %v, want %q %q: %s", e.Error.Param, e.Error.Code, tc.param, tc.code, body)
					}
				}
			}
		})
	}
	for _, e := range srv.Ledger() {
		if e.Status != 400 || e.Fault != BadRequest || e.Valid {
			t.Errorf("ledger entry %+v; want a 400 bad_request, not valid", e)
		}
	}
	// A well-formed request still gets the mix's fault, and so does one
	// whose optional stream and tools are null (OpenAI's schema allows it)
	// and one with every OpenAI role, an assistant message without content
	// (it calls a tool) and the tool's answer.
	for _, tc := range []struct {
		path, body string
		status     int
	}{
		{pathAnthropic, requestBody(wire.Anthropic, kText, false), 529},
		{pathAnthropic, `{"model":"claude","max_tokens":8,"messages":[{"role":"user","content":"a"},{"role":"assistant","content":""}]}`, 529},
		{pathOpenAI, `{"model":"gpt-4o","stream":null,"tools":null,"messages":` + user + `}`, 503},
		{pathOpenAI, `{"model":"gpt-4o","messages":[{"role":"developer","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hi"}]},` +
			`{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},` +
			`{"role":"tool","tool_call_id":"c1","content":"r"}]}`, 503},
	} {
		resp := post(t, context.Background(), ts.URL, tc.path, tc.body)
		if resp.StatusCode != tc.status {
			t.Errorf("a well-formed request to %s: status %d, want the mix's %d", tc.path, resp.StatusCode, tc.status)
		}
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// X-Mock-Should-Retry (or Config.ShouldRetry) puts x-should-retry on every
// response that is not a clean answer, and on no clean one.
func TestShouldRetryHeader(t *testing.T) {
	_, ts := startServer(t, Config{})
	_, tsConfigured := startServer(t, Config{ShouldRetry: "false"})
	for _, dl := range dialects {
		for _, tc := range []struct {
			name    string
			url     string
			kind    kind
			stream  bool
			headers []string
			status  int
			want    string // the x-should-retry value; "" for none
		}{
			{"overloaded told false", ts.URL, kText, false, []string{"X-Mock-Fault", "overloaded", "X-Mock-Should-Retry", "false"}, 0, "false"},
			{"rate limit told true", ts.URL, kText, false, []string{"X-Mock-Fault", "rate_limit", "X-Mock-Should-Retry", "TRUE"}, 429, "true"},
			{"bad request told true", ts.URL, kText, false, []string{"X-Mock-Fault", "bad_request", "X-Mock-Should-Retry", "true"}, 400, "true"},
			{"broken stream told false", ts.URL, kText, true, []string{"X-Mock-Fault", "stream_error_after", "X-Mock-Should-Retry", "false"}, 200, "false"},
			{"invalid output told true", ts.URL, kSchema, false, []string{"X-Mock-Fault", "bad_schema", "X-Mock-Should-Retry", "true"}, 200, "true"},
			{"clean answer", ts.URL, kText, false, []string{"X-Mock-Should-Retry", "false"}, 200, ""},
			{"content fault that does not apply", ts.URL, kText, false, []string{"X-Mock-Fault", "not_json", "X-Mock-Should-Retry", "false"}, 200, ""},
			{"no header asked", ts.URL, kText, false, []string{"X-Mock-Fault", "server_error"}, 500, ""},
			{"from the config", tsConfigured.URL, kText, false, []string{"X-Mock-Fault", "server_error"}, 500, "false"},
			{"header over the config", tsConfigured.URL, kText, false, []string{"X-Mock-Fault", "server_error", "X-Mock-Should-Retry", "true"}, 500, "true"},
		} {
			t.Run(dl.d.String()+"/"+tc.name, func(t *testing.T) {
				resp := post(t, context.Background(), tc.url, dl.path, requestBody(dl.d, tc.kind, tc.stream), tc.headers...)
				_, _ = io.ReadAll(resp.Body)
				if tc.status != 0 && resp.StatusCode != tc.status {
					t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
				}
				if got := resp.Header.Get("X-Should-Retry"); got != tc.want {
					t.Errorf("x-should-retry %q, want %q", got, tc.want)
				}
			})
		}
		resp := post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, kText, false), "X-Mock-Should-Retry", "maybe")
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 400 || !strings.Contains(string(body), "X-Mock-Should-Retry") {
			t.Errorf("X-Mock-Should-Retry: maybe: status %d %s, want a 400 naming the header", resp.StatusCode, body)
		}
	}
	if _, err := New(Config{ShouldRetry: "sometimes"}); err == nil || !strings.Contains(err.Error(), "should_retry") {
		t.Errorf("Config.ShouldRetry \"sometimes\": %v, want an error naming should_retry", err)
	}
}

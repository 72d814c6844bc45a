package mock

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// Every clean answer, in both dialects, streamed and not, is well-formed
// and satisfies the request: the model is echoed, ids look like the
// provider's, tool arguments and structured output match their schemas.
func TestCleanAnswers(t *testing.T) {
	srv, ts := startServer(t, Config{Seed: 1})
	checkWeather := schemaCheck(t, weatherSchema)
	checkPerson := schemaCheck(t, personSchema)
	for _, dl := range dialects {
		for _, k := range []kind{kText, kTool, kSchema, kJSONObject} {
			for _, stream := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/kind%d/stream=%v", dl.d, k, stream), func(t *testing.T) {
					resp := post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, k, stream))
					if resp.StatusCode != http.StatusOK {
						t.Fatalf("status %d", resp.StatusCode)
					}
					checkCommonHeaders(t, dl.d, resp.Header)
					if got := resp.Header.Get("X-Mock-Fault"); got != "" {
						t.Errorf("X-Mock-Fault %q on a clean answer", got)
					}
					wantCT := "application/json"
					if stream {
						wantCT = "text/event-stream; charset=utf-8"
					}
					if ct := resp.Header.Get("Content-Type"); ct != wantCT {
						t.Errorf("Content-Type %q, want %q", ct, wantCT)
					}
					o, evs := answer(t, dl.d, resp, stream)
					if stream {
						checkSequence(t, dl.d, evs, k == kTool)
					}
					wantModel, idPrefix, toolPrefix, stop, toolStop := "gpt-test-1", "chatcmpl-", "call_", "stop", "tool_calls"
					if dl.d == wire.Anthropic {
						wantModel, idPrefix, toolPrefix, stop, toolStop = "claude-test-1", "msg_01", "toolu_01", "end_turn", "tool_use"
					}
					if o.model != wantModel {
						t.Errorf("model %q, want the request's %q", o.model, wantModel)
					}
					if !strings.HasPrefix(o.id, idPrefix) || len(o.id) < len(idPrefix)+20 {
						t.Errorf("id %q, want %s…", o.id, idPrefix)
					}
					if o.promptTokens <= 0 || o.outTokens <= 0 {
						t.Errorf("usage prompt=%d output=%d, want both positive", o.promptTokens, o.outTokens)
					}
					switch {
					case k == kText, k == kJSONObject && dl.d == wire.Anthropic: // Anthropic has no json_object mode
						if o.text != DefaultText || o.finish != stop {
							t.Errorf("text %q finish %q", o.text, o.finish)
						}
					case k == kTool:
						if !strings.HasPrefix(o.toolID, toolPrefix) || o.toolName != "get_weather" || o.finish != toolStop {
							t.Errorf("tool call id %q name %q finish %q", o.toolID, o.toolName, o.finish)
						}
						if err := checkWeather(o.toolArgs); err != nil {
							t.Errorf("tool arguments %s break the tool schema: %v", o.toolArgs, err)
						}
					case k == kSchema:
						if err := checkPerson(o.text); err != nil {
							t.Errorf("structured output %s breaks the schema: %v", o.text, err)
						}
					case k == kJSONObject:
						var v struct{ Answer string }
						if err := json.Unmarshal([]byte(o.text), &v); err != nil || v.Answer != DefaultText {
							t.Errorf("json_object answer %q (%v)", o.text, err)
						}
					}
					e, ok := srv.Lookup(o.id)
					if !ok || !e.Valid || e.Fault != None || e.Status != 200 || e.Stream != stream || e.Model != wantModel {
						t.Errorf("ledger entry %+v (found %v)", e, ok)
					}
				})
			}
		}
	}
}

// checkCommonHeaders checks the request id and rate-limit headers every
// response carries.
func checkCommonHeaders(t *testing.T, d wire.Dialect, h http.Header) {
	t.Helper()
	var want []string
	if d == wire.Anthropic {
		if id := h.Get("Request-Id"); !strings.HasPrefix(id, "req_011C") {
			t.Errorf("request-id %q", id)
		}
		for _, l := range []string{"requests", "tokens", "input-tokens", "output-tokens"} {
			for _, f := range []string{"limit", "remaining", "reset"} {
				want = append(want, "anthropic-ratelimit-"+l+"-"+f)
			}
		}
	} else {
		if id := h.Get("X-Request-Id"); !strings.HasPrefix(id, "req_") || len(id) != 36 {
			t.Errorf("x-request-id %q", id)
		}
		for _, f := range []string{"limit", "remaining", "reset"} {
			want = append(want, "x-ratelimit-"+f+"-requests", "x-ratelimit-"+f+"-tokens")
		}
	}
	for _, k := range want {
		if h.Get(k) == "" {
			t.Errorf("header %s missing", k)
		}
	}
}

// checkSequence checks a complete stream's event sequence.
func checkSequence(t *testing.T, d wire.Dialect, evs []event, tool bool) {
	t.Helper()
	got := compress(names(d, evs))
	var want []string
	switch {
	case d == wire.Anthropic && tool:
		want = []string{"message_start", "content_block_start", "ping", "content_block_delta+", "content_block_stop",
			"content_block_start", "content_block_delta+", "content_block_stop", "message_delta", "message_stop"}
	case d == wire.Anthropic:
		want = []string{"message_start", "content_block_start", "ping", "content_block_delta+", "content_block_stop", "message_delta", "message_stop"}
	case tool:
		want = []string{"role", "tool+", "finish", "usage", "done"}
	default:
		want = []string{"role", "content+", "finish", "usage", "done"}
	}
	if !slices.Equal(got, want) {
		t.Errorf("event sequence\n got %v\nwant %v", got, want)
	}
}

// compress folds runs of the same name into "name+".
func compress(ns []string) []string {
	var out []string
	for i := 0; i < len(ns); {
		j := i
		for j < len(ns) && ns[j] == ns[i] {
			j++
		}
		if j-i > 1 {
			out = append(out, ns[i]+"+")
		} else {
			out = append(out, ns[i])
		}
		i = j
	}
	return out
}

// The OpenAI path without the /v1 prefix is served too, and a stream
// without include_usage has no usage chunk and no usage member.
func TestOpenAIShortPathAndNoUsageChunk(t *testing.T) {
	_, ts := startServer(t, Config{})
	body := `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	resp := post(t, context.Background(), ts.URL, pathOpenAIShort, body)
	evs, err := readEvents(t, resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, %v", resp.StatusCode, err)
	}
	if got := compress(names(wire.OpenAI, evs)); !slices.Equal(got, []string{"role", "content+", "finish", "done"}) {
		t.Errorf("sequence %v", got)
	}
	for _, ev := range evs {
		if strings.Contains(ev.data, `"usage"`) {
			t.Fatalf("usage member without include_usage: %s", ev.data)
		}
	}
}

// tool_choice picks the tool to call, and "none" turns tool calls off.
func TestToolChoice(t *testing.T) {
	_, ts := startServer(t, Config{})
	tools := `"tools":[{"type":"function","function":{"name":"a","parameters":{"type":"object"}}},` +
		`{"type":"function","function":{"name":"b","parameters":{"type":"object","properties":{"x":{"type":"integer"}},"required":["x"]}}}]`
	for _, tc := range []struct{ choice, wantTool string }{
		{`"auto"`, "a"},
		{`{"type":"function","function":{"name":"b"}}`, "b"},
		{`"none"`, ""},
	} {
		body := `{"model":"m","messages":[{"role":"user","content":"hi"}],` + tools + `,"tool_choice":` + tc.choice + `}`
		o, _ := answer(t, wire.OpenAI, post(t, context.Background(), ts.URL, pathOpenAI, body), false)
		if o.toolName != tc.wantTool {
			t.Errorf("tool_choice %s: called %q, want %q", tc.choice, o.toolName, tc.wantTool)
		}
	}
	atools := `"tools":[{"type":"web_search_20250305","name":"web_search"},{"name":"a","input_schema":{"type":"object"}},{"name":"b","input_schema":{"type":"object"}}]`
	for _, tc := range []struct{ choice, wantTool string }{
		{`{"type":"auto"}`, "a"}, // the server tool has no input schema
		{`{"type":"tool","name":"b"}`, "b"},
		{`{"type":"none"}`, ""},
	} {
		body := `{"model":"m","max_tokens":9,"messages":[{"role":"user","content":"hi"}],` + atools + `,"tool_choice":` + tc.choice + `}`
		o, _ := answer(t, wire.Anthropic, post(t, context.Background(), ts.URL, pathAnthropic, body), false)
		if o.toolName != tc.wantTool {
			t.Errorf("tool_choice %s: called %q, want %q", tc.choice, o.toolName, tc.wantTool)
		}
	}
}

// Requests the mock cannot serve get the provider's error shape.
func TestRejectedRequests(t *testing.T) {
	srv, ts := startServer(t, Config{})
	cases := []struct {
		name, path, body string
		header           []string
		d                wire.Dialect
		status           int
		typ              string
	}{
		{"not json", pathAnthropic, `{"model":`, nil, wire.Anthropic, 400, "invalid_request_error"},
		{"not an object", pathOpenAI, `[1]`, nil, wire.OpenAI, 400, "invalid_request_error"},
		{"unknown fault", pathOpenAI, `{}`, []string{"X-Mock-Fault", "gremlins"}, wire.OpenAI, 400, "invalid_request_error"},
		{"unknown path", "/v1/embeddings", `{}`, nil, wire.OpenAI, 404, "invalid_request_error"},
	}
	for _, tc := range cases {
		resp := post(t, context.Background(), ts.URL, tc.path, tc.body, tc.header...)
		body, _ := readAll(resp.Body)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.status)
			continue
		}
		if u := errorBody(t, tc.d, body); u.Type != tc.typ {
			t.Errorf("%s: error type %q, want %q", tc.name, u.Type, tc.typ)
		}
	}
	st := srv.Stats()
	if st.Requests != uint64(len(cases)) || st.ByFault[BadRequest] != uint64(len(cases)) || st.Valid != 0 {
		t.Errorf("stats %+v", st)
	}
}

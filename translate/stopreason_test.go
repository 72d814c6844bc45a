package translate

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// OpenAI answers a call forced by a named tool_choice with finish_reason
// "stop" beside its tool_calls (and some OpenAI-compatible servers always
// do). Anthropic ends every turn that calls a tool with stop_reason
// "tool_use", and agent loops run the tools on that: the translated answer
// says tool_use whenever it carries tool calls.
func TestResponseToolCallsWithStopEndAsToolUse(t *testing.T) {
	for _, tc := range []struct{ finish, want string }{
		{"stop", "tool_use"},
		{"tool_calls", "tool_use"},
		{"length", "max_tokens"},
		{"content_filter", "refusal"},
	} {
		body := `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":null,` +
			`"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"` + tc.finish + `"}],` +
			`"usage":{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25}}`
		out, err := Response(wire.OpenAI, wire.Anthropic, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		var msg struct {
			StopReason string `json:"stop_reason"`
		}
		if err := json.Unmarshal(out, &msg); err != nil {
			t.Fatal(err)
		}
		if msg.StopReason != tc.want {
			t.Errorf("finish_reason %s with tool calls: stop_reason = %q, want %q", tc.finish, msg.StopReason, tc.want)
		}
	}
	// Without tool calls, stop stays end_turn.
	out, err := Response(wire.OpenAI, wire.Anthropic, []byte(`{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"stop_reason":"end_turn"`) {
		t.Errorf("text answer: %s", out)
	}
}

// The same holds for a stream: whether the finish chunk says stop or the
// stream ends at [DONE] with no finish_reason, a turn whose tool calls
// were sent ends with stop_reason tool_use.
func TestStreamToolCallsWithStopEndAsToolUse(t *testing.T) {
	ev := func(data string) string { return "data: " + data + "\n\n" }
	call := ev(`{"id":"c1","model":"llama3.1","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_x","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},"finish_reason":null}]}`)
	for name, in := range map[string]string{
		"finish stop": call + ev(`{"id":"c1","model":"llama3.1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`) + ev(`[DONE]`),
		"no finish":   call + ev(`[DONE]`),
		"held call": call + ev(`{"id":"c1","model":"llama3.1","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_y","type":"function","function":{"name":"g","arguments":"{}"}}]},"finish_reason":null}]}`) +
			ev(`{"id":"c1","model":"llama3.1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}`) + ev(`[DONE]`),
	} {
		out := string(translateStream(t, Options{}, wire.OpenAI, wire.Anthropic, []byte(in), nil))
		if !strings.Contains(out, `"stop_reason":"tool_use"`) {
			t.Errorf("%s: stream:\n%s", name, out)
		}
	}
	text := ev(`{"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}`) + ev(`[DONE]`)
	if out := string(translateStream(t, Options{}, wire.OpenAI, wire.Anthropic, []byte(text), nil)); !strings.Contains(out, `"stop_reason":"end_turn"`) {
		t.Errorf("text stream:\n%s", out)
	}
}

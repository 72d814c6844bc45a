package wire_test

import (
	"errors"
	"testing"

	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
)

func TestParseOutputAnthropic(t *testing.T) {
	tests := []struct {
		name string
		body string
		want wire.Output
	}{
		{
			name: "text",
			body: `{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5",` +
				`"content":[{"type":"text","text":"Hello!"}],"stop_reason":"end_turn","stop_sequence":null,` +
				`"usage":{"input_tokens":12,"output_tokens":6}}`,
			want: wire.Output{Text: "Hello!", FinishReason: "end_turn"},
		},
		{
			name: "thinking, text blocks and tool_use",
			body: `{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[` +
				`{"type":"thinking","thinking":"hmm","signature":"sig"},` +
				`{"type":"text","text":"Let me check "},{"type":"text","text":"that."},` +
				`{"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"location":"San Francisco, CA","unit":"celsius"}},` +
				`{"type":"tool_use","id":"toolu_02","name":"now","input":{}}],` +
				`"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":300,"output_tokens":80}}`,
			want: wire.Output{
				Text: "Let me check that.",
				ToolCalls: []wire.ToolCall{
					{ID: "toolu_01A09q90qw90lq917835lq9", Name: "get_weather", Arguments: []byte(`{"location":"San Francisco, CA","unit":"celsius"}`)},
					{ID: "toolu_02", Name: "now", Arguments: []byte(`{}`)},
				},
				FinishReason: "tool_use",
			},
		},
		{
			name: "max_tokens",
			body: `{"type":"message","content":[{"type":"text","text":"Once upon"}],"stop_reason":"max_tokens"}`,
			want: wire.Output{Text: "Once upon", FinishReason: "max_tokens", Truncated: true},
		},
		{
			name: "context window exceeded",
			body: `{"type":"message","content":[{"type":"text","text":"x"}],"stop_reason":"model_context_window_exceeded"}`,
			want: wire.Output{Text: "x", FinishReason: "model_context_window_exceeded", Truncated: true},
		},
		{
			name: "stop sequence",
			body: `{"type":"message","content":[{"type":"text","text":"a"}],"stop_reason":"stop_sequence","stop_sequence":"\n\nHuman:"}`,
			want: wire.Output{Text: "a", FinishReason: "stop_sequence"},
		},
		{
			name: "refusal with empty content",
			body: `{"type":"message","content":[],"stop_reason":"refusal"}`,
			want: wire.Output{FinishReason: "refusal"},
		},
		{
			name: "unknown block types ignored",
			body: `{"type":"message","content":[{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"q"}},{"type":"text","text":"ok"}],"stop_reason":"end_turn"}`,
			want: wire.Output{Text: "ok", FinishReason: "end_turn"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wire.ParseOutput(wire.Anthropic, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			checkOutput(t, got, tt.want)
		})
	}
}

func TestParseOutputOpenAI(t *testing.T) {
	tests := []struct {
		name string
		body string
		want wire.Output
	}{
		{
			name: "text",
			body: `{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion","created":1741569952,"model":"gpt-4o-2024-08-06",` +
				`"choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I assist you today?","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],` +
				`"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29},"service_tier":"default","system_fingerprint":"fp_fc9f1d7035"}`,
			want: wire.Output{Text: "Hello! How can I assist you today?", FinishReason: "stop"},
		},
		{
			name: "tool calls with null content",
			body: `{"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[` +
				`{"id":"call_12345xyz","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"Paris, France\"}"}},` +
				`{"id":"call_67890abc","type":"function","function":{"name":"get_time","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}`,
			want: wire.Output{
				ToolCalls: []wire.ToolCall{
					{ID: "call_12345xyz", Name: "get_weather", Arguments: []byte(`{"location":"Paris, France"}`)},
					{ID: "call_67890abc", Name: "get_time", Arguments: []byte(`{}`)},
				},
				FinishReason: "tool_calls",
			},
		},
		{
			name: "length",
			body: `{"choices":[{"index":0,"message":{"role":"assistant","content":"Once upon"},"finish_reason":"length"}]}`,
			want: wire.Output{Text: "Once upon", FinishReason: "length", Truncated: true},
		},
		{
			name: "content filter",
			body: `{"choices":[{"index":0,"message":{"role":"assistant","content":""},"finish_reason":"content_filter"}]}`,
			want: wire.Output{FinishReason: "content_filter"},
		},
		{
			name: "refusal",
			body: `{"choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I'm sorry, I can't help with that."},"finish_reason":"stop"}]}`,
			want: wire.Output{FinishReason: "stop"},
		},
		{
			name: "first choice only",
			body: `{"choices":[{"index":0,"message":{"role":"assistant","content":"one"},"finish_reason":"stop"},{"index":1,"message":{"role":"assistant","content":"two"},"finish_reason":"length"}]}`,
			want: wire.Output{Text: "one", FinishReason: "stop"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wire.ParseOutput(wire.OpenAI, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			checkOutput(t, got, tt.want)
		})
	}
}

func TestParseOutputErrors(t *testing.T) {
	if _, err := wire.ParseOutput(wire.OpenAI, []byte(`{"id":"x","choices":[]}`)); !errors.Is(err, wire.ErrNoChoices) {
		t.Errorf("empty choices: err = %v, want ErrNoChoices", err)
	}
	if _, err := wire.ParseOutput(wire.OpenAI, []byte(`{"id":"x"}`)); !errors.Is(err, wire.ErrNoChoices) {
		t.Errorf("no choices: err = %v, want ErrNoChoices", err)
	}
	for _, d := range []wire.Dialect{wire.OpenAI, wire.Anthropic} {
		for _, body := range []string{``, `{"choices":[`, `<html>`, `{"content":"x","choices":"x"}`} {
			if _, err := wire.ParseOutput(d, []byte(body)); err == nil {
				t.Errorf("%v: ParseOutput(%q) succeeded, want an error", d, body)
			}
		}
	}
}

func TestTruncated(t *testing.T) {
	// Only the token-limit stop reasons mark an output as truncated.
	tests := []struct {
		d      wire.Dialect
		reason string
		want   bool
	}{
		{wire.OpenAI, "length", true},
		{wire.OpenAI, "stop", false},
		{wire.OpenAI, "tool_calls", false},
		{wire.OpenAI, "content_filter", false},
		{wire.OpenAI, "function_call", false},
		{wire.Anthropic, "max_tokens", true},
		{wire.Anthropic, "model_context_window_exceeded", true},
		{wire.Anthropic, "end_turn", false},
		{wire.Anthropic, "stop_sequence", false},
		{wire.Anthropic, "tool_use", false},
		{wire.Anthropic, "pause_turn", false},
		{wire.Anthropic, "refusal", false},
	}
	for _, tt := range tests {
		var body string
		if tt.d == wire.Anthropic {
			body = `{"content":[],"stop_reason":"` + tt.reason + `"}`
		} else {
			body = `{"choices":[{"message":{"content":""},"finish_reason":"` + tt.reason + `"}]}`
		}
		got, err := wire.ParseOutput(tt.d, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if got.Truncated != tt.want {
			t.Errorf("%v %s: Truncated = %v, want %v", tt.d, tt.reason, got.Truncated, tt.want)
		}
		// The same through a stream.
		a := wire.NewAccumulator(tt.d)
		if tt.d == wire.Anthropic {
			a.Add(ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"`+tt.reason+`","stop_sequence":null},"usage":{"output_tokens":1}}`))
		} else {
			a.Add(ev("", `{"choices":[{"index":0,"delta":{},"finish_reason":"`+tt.reason+`"}]}`))
		}
		if o := a.Output(); o.Truncated != tt.want || o.FinishReason != tt.reason {
			t.Errorf("%v %s stream: output %+v, want Truncated %v", tt.d, tt.reason, o, tt.want)
		}
	}
}

// OpenAI custom tools are called with {"type":"custom","custom":{name,input}}.
func TestParseOutputOpenAICustomToolCall(t *testing.T) {
	body := `{"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[` +
		`{"id":"call_1","type":"custom","custom":{"name":"code_exec","input":"print(1)"}},` +
		`{"id":"call_2","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},"finish_reason":"tool_calls"}]}`
	got, err := wire.ParseOutput(wire.OpenAI, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, got, wire.Output{
		ToolCalls: []wire.ToolCall{
			{ID: "call_1", Name: "code_exec", Arguments: []byte("print(1)")},
			{ID: "call_2", Name: "f", Arguments: []byte(`{"a":1}`)},
		},
		FinishReason: "tool_calls",
	})
}

// Output.Other marks output that is neither text nor a tool call, in an
// answer and in a stream alike; thinking is not such output.
func TestOutputOther(t *testing.T) {
	for _, tc := range []struct {
		name   string
		d      wire.Dialect
		body   string
		stream []sse.Event
		want   bool
	}{
		{"openai refusal", wire.OpenAI, `{"choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"No."},"finish_reason":"stop"}]}`,
			[]sse.Event{ev("", `{"choices":[{"index":0,"delta":{"refusal":"No."},"finish_reason":null}]}`)}, true},
		{"openai audio", wire.OpenAI, `{"choices":[{"index":0,"message":{"role":"assistant","content":null,"audio":{"id":"a","data":"AA","transcript":"Hi"}},"finish_reason":"stop"}]}`,
			[]sse.Event{ev("", `{"choices":[{"index":0,"delta":{"audio":{"id":"a","transcript":"Hi"}},"finish_reason":null}]}`)}, true},
		{"openai null refusal and audio", wire.OpenAI, `{"choices":[{"index":0,"message":{"role":"assistant","content":"","refusal":null,"audio":null},"finish_reason":"stop"}]}`,
			[]sse.Event{ev("", `{"choices":[{"index":0,"delta":{"content":"","refusal":null,"audio":null},"finish_reason":null}]}`)}, false},
		{"anthropic server tool", wire.Anthropic, `{"content":[{"type":"server_tool_use","id":"s","name":"web_search","input":{}}],"stop_reason":"pause_turn"}`,
			[]sse.Event{ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"s","name":"web_search","input":{}}}`)}, true},
		{"anthropic thinking", wire.Anthropic, `{"content":[{"type":"thinking","thinking":"x","signature":"s"},{"type":"redacted_thinking","data":"x"},{"type":"text","text":""}],"stop_reason":"end_turn"}`,
			[]sse.Event{ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}`),
				ev("content_block_start", `{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}`)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := wire.ParseOutput(tc.d, []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if o.Other != tc.want {
				t.Errorf("ParseOutput: Other = %v, want %v", o.Other, tc.want)
			}
			a := wire.NewAccumulator(tc.d)
			for _, e := range tc.stream {
				a.Add(e)
			}
			if got := a.Output().Other; got != tc.want {
				t.Errorf("Accumulator: Other = %v, want %v", got, tc.want)
			}
		})
	}
}

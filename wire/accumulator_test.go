package wire_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
)

func accumulate(d wire.Dialect, evs []sse.Event) wire.Output {
	a := wire.NewAccumulator(d)
	for _, e := range evs {
		a.Add(e)
	}
	return a.Output()
}

func TestAccumulatorRecordedStreams(t *testing.T) {
	tests := []struct {
		file string
		d    wire.Dialect
		want wire.Output
	}{
		{
			file: "anthropic_tool_use.sse", d: wire.Anthropic,
			want: wire.Output{
				Text: "Okay, let's check the weather for San Francisco, CA:",
				ToolCalls: []wire.ToolCall{{
					ID: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", Name: "get_weather",
					Arguments: []byte(`{"location": "San Francisco, CA", "unit": "fahrenheit"}`),
				}},
				FinishReason: "tool_use",
			},
		},
		{
			file: "anthropic_thinking_max_tokens.sse", d: wire.Anthropic,
			want: wire.Output{Text: "Autumn moonlight—\na worm digs silently", FinishReason: "max_tokens", Truncated: true},
		},
		{file: "anthropic_error.sse", d: wire.Anthropic, want: wire.Output{}},
		{file: "openai_text.sse", d: wire.OpenAI, want: wire.Output{Text: "Hello! How can I help?", FinishReason: "stop"}},
		{
			file: "openai_tool_calls.sse", d: wire.OpenAI,
			want: wire.Output{
				ToolCalls: []wire.ToolCall{
					{ID: "call_DdmO9pD3xa9XTPNJ32zg2hcA", Name: "get_weather", Arguments: []byte(`{"location": "Paris"}`)},
					{ID: "call_Xk2eH4c8VYp0WmC2sN9LhQ1r", Name: "get_time", Arguments: []byte(`{"tz": "Europe/Paris"}`)},
				},
				FinishReason: "tool_calls",
			},
		},
		{file: "openai_error.sse", d: wire.OpenAI, want: wire.Output{Text: "The answer"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			checkOutput(t, accumulate(tt.d, readStream(t, tt.file)), tt.want)
		})
	}
}

func checkOutput(t *testing.T, got, want wire.Output) {
	t.Helper()
	if got.Text != want.Text || got.FinishReason != want.FinishReason || got.Truncated != want.Truncated {
		t.Errorf("output = text %q reason %q truncated %v, want text %q reason %q truncated %v",
			got.Text, got.FinishReason, got.Truncated, want.Text, want.FinishReason, want.Truncated)
	}
	if len(got.ToolCalls) != len(want.ToolCalls) {
		t.Fatalf("%d tool calls %s, want %d", len(got.ToolCalls), fmtCalls(got.ToolCalls), len(want.ToolCalls))
	}
	for i := range got.ToolCalls {
		g, w := got.ToolCalls[i], want.ToolCalls[i]
		if g.ID != w.ID || g.Name != w.Name || string(g.Arguments) != string(w.Arguments) {
			t.Errorf("tool call %d = %s, want %s", i, fmtCalls([]wire.ToolCall{g}), fmtCalls([]wire.ToolCall{w}))
		}
	}
}

func fmtCalls(cs []wire.ToolCall) string {
	var b bytes.Buffer
	for _, c := range cs {
		b.WriteString("{" + c.ID + " " + c.Name + " " + string(c.Arguments) + "}")
	}
	return b.String()
}

func TestAccumulatorOpenAI(t *testing.T) {
	chunks := []string{
		`{"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"content":"Checking "},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"content":"both."},"finish_reason":null}]}`,
		// Two tool calls interleaved; id and name only on each first fragment.
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"first","arguments":""}}]},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"second","arguments":"{\"b\""}}]},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":":2}"}},{"index":0,"function":{"arguments":"1}"}}]},"finish_reason":null}]}`,
		// A third call that never receives arguments.
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":2,"id":"call_c","type":"function","function":{"name":"third"}}]},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`,
		`{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`,
		`[DONE]`,
	}
	var evs []sse.Event
	for _, c := range chunks {
		evs = append(evs, ev("", c))
	}
	checkOutput(t, accumulate(wire.OpenAI, evs), wire.Output{
		Text: "Checking both.",
		ToolCalls: []wire.ToolCall{
			{ID: "call_a", Name: "first", Arguments: []byte(`{"a":1}`)},
			{ID: "call_b", Name: "second", Arguments: []byte(`{"b":2}`)},
			{ID: "call_c", Name: "third", Arguments: []byte(`{}`)},
		},
		FinishReason: "tool_calls",
	})
}

// Some OpenAI-compatible servers (Ollama) send every tool call under one
// stream index: a new id at an index starts a new call, as the provider's
// clients read it.
func TestAccumulatorOpenAICallsSharingAnIndex(t *testing.T) {
	chunks := []string{
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_b","type":"function","function":{"name":"weather","arguments":"{\"city\":"}}]},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Rome\"}"}}]},"finish_reason":null}]}`,
		`{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`,
		`[DONE]`,
	}
	var evs []sse.Event
	for _, c := range chunks {
		evs = append(evs, ev("", c))
	}
	checkOutput(t, accumulate(wire.OpenAI, evs), wire.Output{
		ToolCalls: []wire.ToolCall{
			{ID: "call_a", Name: "weather", Arguments: []byte(`{"city":"Paris"}`)},
			{ID: "call_b", Name: "weather", Arguments: []byte(`{"city":"Rome"}`)},
		},
		FinishReason: "tool_calls",
	})
}

func TestAccumulatorOpenAILength(t *testing.T) {
	evs := []sse.Event{
		ev("", `{"choices":[{"index":0,"delta":{"role":"assistant","content":"Once upon"},"finish_reason":null}]}`),
		ev("", `{"choices":[{"index":0,"delta":{"content":" a time"},"finish_reason":"length"}]}`),
		ev("", `[DONE]`),
	}
	checkOutput(t, accumulate(wire.OpenAI, evs), wire.Output{Text: "Once upon a time", FinishReason: "length", Truncated: true})
}

func TestAccumulatorAnthropic(t *testing.T) {
	evs := []sse.Event{
		ev("message_start", `{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}}`),
		ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`),
		ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Two tools."}}`),
		ev("content_block_stop", `{"type":"content_block_stop","index":0}`),
		// Block 1 is the first tool_use: its index counts the text block.
		ev("content_block_start", `{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_a","name":"lookup","input":{}}}`),
		ev("content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}`),
		ev("ping", `{"type":"ping"}`),
		ev("content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"q\":"}}`),
		ev("content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \"go\"}"}}`),
		ev("content_block_stop", `{"type":"content_block_stop","index":1}`),
		// Block 2: a tool without any fragment.
		ev("content_block_start", `{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_b","name":"now","input":{}}}`),
		ev("content_block_stop", `{"type":"content_block_stop","index":2}`),
		// Block 3: a tool whose only fragment is empty.
		ev("content_block_start", `{"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"toolu_c","name":"noop","input":{}}}`),
		ev("content_block_delta", `{"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":""}}`),
		ev("content_block_stop", `{"type":"content_block_stop","index":3}`),
		ev("some_future_event", `{"type":"some_future_event","index":1,"delta":{"type":"input_json_delta","partial_json":"x"}}`),
		ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":40}}`),
		ev("message_stop", `{"type":"message_stop"}`),
	}
	checkOutput(t, accumulate(wire.Anthropic, evs), wire.Output{
		Text: "Two tools.",
		ToolCalls: []wire.ToolCall{
			{ID: "toolu_a", Name: "lookup", Arguments: []byte(`{"q": "go"}`)},
			{ID: "toolu_b", Name: "now", Arguments: []byte(`{}`)},
			{ID: "toolu_c", Name: "noop", Arguments: []byte(`{}`)},
		},
		FinishReason: "tool_use",
	})
}

func TestAccumulatorIgnoresBadEvents(t *testing.T) {
	for _, d := range []wire.Dialect{wire.OpenAI, wire.Anthropic} {
		a := wire.NewAccumulator(d)
		for _, data := range []string{``, `not json`, `[DONE]`, `{"choices":"x"}`, `{"type":"content_block_delta","index":"x"}`, `{"choices":[{"delta":{"content":7}}]}`, `{"error":{"message":"m"}}`} {
			a.Add(ev("", data))
			a.Add(ev("content_block_delta", data))
		}
		if got := a.Output(); !reflect.DeepEqual(got, wire.Output{}) {
			t.Errorf("%v: output from unreadable events = %+v, want empty", d, got)
		}
	}
}

func TestAccumulatorOutputTwice(t *testing.T) {
	// Output reports what the stream said so far and can be called again.
	a := wire.NewAccumulator(wire.OpenAI)
	a.Add(ev("", `{"choices":[{"index":0,"delta":{"content":"a","tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":"{"}}]}}]}`))
	first := a.Output()
	a.Add(ev("", `{"choices":[{"index":0,"delta":{"content":"b","tool_calls":[{"index":0,"function":{"arguments":"}"}}]},"finish_reason":"tool_calls"}]}`))
	second := a.Output()
	if first.Text != "a" || string(first.ToolCalls[0].Arguments) != "{" {
		t.Errorf("first output changed after Add: %+v", first)
	}
	if second.Text != "ab" || string(second.ToolCalls[0].Arguments) != "{}" || second.FinishReason != "tool_calls" {
		t.Errorf("second output = %+v", second)
	}
}

// The legacy function_call (requests with "functions") is a tool call, not
// an empty answer, in a response as in a stream.
func TestOpenAILegacyFunctionCall(t *testing.T) {
	body := `{"choices":[{"index":0,"message":{"role":"assistant","content":null,"function_call":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},"finish_reason":"function_call"}]}`
	got, err := wire.ParseOutput(wire.OpenAI, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := wire.Output{
		ToolCalls:    []wire.ToolCall{{Name: "get_weather", Arguments: []byte(`{"city":"Paris"}`)}},
		FinishReason: "function_call",
	}
	checkOutput(t, got, want)
	evs := []sse.Event{
		ev("", `{"choices":[{"index":0,"delta":{"role":"assistant","content":null,"function_call":{"name":"get_weather","arguments":""}},"finish_reason":null}]}`),
		ev("", `{"choices":[{"index":0,"delta":{"function_call":{"arguments":"{\"city\":"}},"finish_reason":null}]}`),
		ev("", `{"choices":[{"index":0,"delta":{"function_call":{"arguments":"\"Paris\"}"}},"finish_reason":null}]}`),
		ev("", `{"choices":[{"index":0,"delta":{},"finish_reason":"function_call"}]}`),
		ev("", `[DONE]`),
	}
	checkOutput(t, accumulate(wire.OpenAI, evs), want)
}

// A stream with several choices (n > 1) carries each choice's deltas under
// its own index; the output is choice 0's, as ParseOutput reads it.
func TestAccumulatorOpenAIOnlyFirstChoice(t *testing.T) {
	evs := []sse.Event{
		ev("", `{"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`),
		ev("", `{"choices":[{"index":1,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`),
		ev("", `{"choices":[{"index":0,"delta":{"content":"{\"a\""},"finish_reason":null}]}`),
		ev("", `{"choices":[{"index":1,"delta":{"content":"{\"b\":"},"finish_reason":null}]}`),
		ev("", `{"choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"id":"call_x","type":"function","function":{"name":"x","arguments":"{}"}}]},"finish_reason":null}]}`),
		ev("", `{"choices":[{"index":0,"delta":{"content":":1}"},"finish_reason":"stop"}]}`),
		ev("", `{"choices":[{"index":1,"delta":{},"finish_reason":"length"}]}`),
		ev("", `[DONE]`),
	}
	checkOutput(t, accumulate(wire.OpenAI, evs), wire.Output{Text: `{"a":1}`, FinishReason: "stop"})
}

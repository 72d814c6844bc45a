package wire_test

import (
	"errors"
	"testing"

	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
)

// An OpenAI answer with n > 1 has one output per choice, so every choice
// can be validated, not only the first.
func TestParseOutputsOpenAIEveryChoice(t *testing.T) {
	body := `{"object":"chat.completion","choices":[` +
		`{"index":0,"message":{"role":"assistant","content":"one"},"finish_reason":"stop"},` +
		`{"index":1,"message":{"role":"assistant","content":null,"tool_calls":[` +
		`{"id":"call_a","type":"function","function":{"name":"rm_rf","arguments":"{\"path\":\"/\"}"}},` +
		`{"id":"call_b","type":"custom","custom":{"name":"shell","input":"ls"}}]},"finish_reason":"tool_calls"},` +
		`{"index":2,"message":{"role":"assistant","content":null,"function_call":{"name":"legacy","arguments":"{}"}},"finish_reason":"length"}]}`
	got, err := wire.ParseOutputs(wire.OpenAI, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := []wire.Output{
		{Text: "one", FinishReason: "stop"},
		{ToolCalls: []wire.ToolCall{
			{ID: "call_a", Name: "rm_rf", Arguments: []byte(`{"path":"/"}`)},
			{ID: "call_b", Name: "shell", Arguments: []byte(`ls`)},
		}, FinishReason: "tool_calls"},
		{ToolCalls: []wire.ToolCall{{Name: "legacy", Arguments: []byte(`{}`)}}, FinishReason: "length", Truncated: true},
	}
	if len(got) != len(want) {
		t.Fatalf("%d outputs, want %d", len(got), len(want))
	}
	for i := range want {
		checkOutput(t, got[i], want[i])
	}
	first, err := wire.ParseOutput(wire.OpenAI, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, first, got[0])
}

// A single-choice answer, and any Anthropic answer, has exactly one output:
// ParseOutput's.
func TestParseOutputsOneOutput(t *testing.T) {
	for _, tt := range []struct {
		d    wire.Dialect
		body string
	}{
		{wire.OpenAI, `{"choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}]}`},
		{wire.Anthropic, `{"type":"message","content":[{"type":"text","text":"hello"},{"type":"tool_use","id":"t","name":"f","input":{}}],"stop_reason":"tool_use"}`},
	} {
		got, err := wire.ParseOutputs(tt.d, []byte(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		want, err := wire.ParseOutput(tt.d, []byte(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("%v: %d outputs, want 1", tt.d, len(got))
		}
		checkOutput(t, got[0], want)
	}
}

func TestParseOutputsErrors(t *testing.T) {
	if _, err := wire.ParseOutputs(wire.OpenAI, []byte(`{"choices":[]}`)); !errors.Is(err, wire.ErrNoChoices) {
		t.Errorf("no choices: err = %v, want ErrNoChoices", err)
	}
	for _, d := range []wire.Dialect{wire.OpenAI, wire.Anthropic} {
		if outs, err := wire.ParseOutputs(d, []byte(`{"choices":[`)); err == nil {
			t.Errorf("%v: truncated JSON parsed as %+v", d, outs)
		}
	}
}

// A stream with n > 1 interleaves the choices' chunks, sometimes several
// choices in one chunk; each choice's text, tool calls (with their own
// tool-call indexes) and finish reason are kept apart.
func TestAccumulatorOutputsEveryChoice(t *testing.T) {
	evs := []sse.Event{
		ev("", `{"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null},{"index":1,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`),
		ev("", `{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_0","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}`),
		ev("", `{"choices":[{"index":1,"delta":{"content":"let me "},"finish_reason":null}]}`),
		ev("", `{"choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"rm_rf","arguments":"{\"pa"}}]},"finish_reason":null}]}`),
		ev("", `{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":null},{"index":1,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"th\":\"/\"}"}}]},"finish_reason":null}]}`),
		ev("", `{"choices":[{"index":1,"delta":{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"noop"}}]},"finish_reason":null}]}`),
		ev("", `{"choices":[{"index":1,"delta":{},"finish_reason":"tool_calls"}]}`),
		ev("", `{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`),
		ev("", `{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":9,"total_tokens":10}}`),
		ev("", `[DONE]`),
	}
	a := wire.NewAccumulator(wire.OpenAI)
	for _, e := range evs {
		a.Add(e)
	}
	want := []wire.Output{
		{ToolCalls: []wire.ToolCall{{ID: "call_0", Name: "get_weather", Arguments: []byte(`{"city":"Paris"}`)}}, FinishReason: "tool_calls"},
		{Text: "let me ", ToolCalls: []wire.ToolCall{
			{ID: "call_1", Name: "rm_rf", Arguments: []byte(`{"path":"/"}`)},
			{ID: "call_2", Name: "noop", Arguments: []byte(`{}`)},
		}, FinishReason: "tool_calls"},
	}
	got := a.Outputs()
	if len(got) != len(want) {
		t.Fatalf("%d outputs, want %d", len(got), len(want))
	}
	for i := range want {
		checkOutput(t, got[i], want[i])
	}
	checkOutput(t, a.Output(), want[0])
}

// Choices come out in index order whatever order they first streamed in,
// choice 0 included even when it said nothing.
func TestAccumulatorOutputsIndexOrder(t *testing.T) {
	a := wire.NewAccumulator(wire.OpenAI)
	a.Add(ev("", `{"choices":[{"index":2,"delta":{"content":"c"},"finish_reason":"stop"}]}`))
	a.Add(ev("", `{"choices":[{"index":1,"delta":{"content":"b"},"finish_reason":"stop"}]}`))
	got := a.Outputs()
	if len(got) != 3 || got[0].Text != "" || got[1].Text != "b" || got[2].Text != "c" {
		t.Fatalf("outputs = %+v, want choice 0 empty, then b, c", got)
	}
}

// One choice, and an Anthropic stream, give one output: Output's.
func TestAccumulatorOutputsOneOutput(t *testing.T) {
	for _, tt := range []struct {
		d   wire.Dialect
		evs []sse.Event
	}{
		{wire.OpenAI, nil},
		{wire.OpenAI, []sse.Event{ev("", `{"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}`)}},
		{wire.Anthropic, []sse.Event{
			ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}`),
			ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn"}}`),
		}},
	} {
		a := wire.NewAccumulator(tt.d)
		for _, e := range tt.evs {
			a.Add(e)
		}
		got := a.Outputs()
		if len(got) != 1 {
			t.Fatalf("%v: %d outputs, want 1", tt.d, len(got))
		}
		checkOutput(t, got[0], a.Output())
	}
}

package wire_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
)

var kindNames = map[wire.Kind]string{
	wire.KindOther:   "Other",
	wire.KindOpening: "Opening",
	wire.KindContent: "Content",
	wire.KindError:   "Error",
	wire.KindDone:    "Done",
}

func kindName(k wire.Kind) string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return "Kind(?)"
}

func ev(name, data string) sse.Event {
	return sse.Event{Name: []byte(name), Data: []byte(data)}
}

func TestEventKindAnthropic(t *testing.T) {
	tests := []struct {
		name, data string
		want       wire.Kind
	}{
		{"message_start", `{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}`, wire.KindOpening},
		{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`, wire.KindOpening},
		{"content_block_start", `{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{}}}`, wire.KindOpening},
		{"ping", `{"type": "ping"}`, wire.KindOpening},
		{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`, wire.KindContent},
		{"content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}`, wire.KindContent},
		{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me"}}`, wire.KindContent},
		{"content_block_stop", `{"type":"content_block_stop","index":0}`, wire.KindOther},
		{"message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}`, wire.KindOther},
		{"message_stop", `{"type":"message_stop"}`, wire.KindDone},
		{"error", `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, wire.KindError},
		{"some_future_event", `{"type":"some_future_event"}`, wire.KindOther},
		{"message_stop", ``, wire.KindDone},
		// Without event names the type inside the data decides.
		{"", `{"type":"message_start","message":{}}`, wire.KindOpening},
		{"", `{"type": "content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}`, wire.KindContent},
		{"", `{"index":0,"type":"message_stop"}`, wire.KindDone},
		{"", `{"type":"error","error":{"type":"api_error","message":"Internal server error"}}`, wire.KindError},
		{"", `{"delta":{"type":"message_stop"},"type":"message_delta"}`, wire.KindOther},
		{"", `{"type":"ping"}`, wire.KindOpening},
		{"", `not json`, wire.KindOther},
		{"", ``, wire.KindOther},
		{"", `{"type":42}`, wire.KindOther},
		{"", `{"type"`, wire.KindOther},
		{"", `{"type":`, wire.KindOther},
		{"", `{"type":"message_stop"`, wire.KindOther},
	}
	for _, tt := range tests {
		if got := wire.EventKind(wire.Anthropic, ev(tt.name, tt.data)); got != tt.want {
			t.Errorf("EventKind(%q, %s) = %s, want %s", tt.name, tt.data, kindName(got), kindName(tt.want))
		}
	}
}

func TestEventKindOpenAI(t *testing.T) {
	tests := []struct {
		name, data string
		want       wire.Kind
	}{
		{"role-only first chunk with empty content", `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`, wire.KindOpening},
		{"role-only first chunk", `{"choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}`, wire.KindOpening},
		{"role with null content", `{"choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}]}`, wire.KindOpening},
		{"content", `{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null}`, wire.KindContent},
		{"role and content in the first chunk", `{"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}`, wire.KindContent},
		{"whitespace content", `{"choices":[{"index":0,"delta":{"content":" "},"finish_reason":null}]}`, wire.KindContent},
		{"refusal", `{"choices":[{"index":0,"delta":{"refusal":"I can't help with that."},"finish_reason":null}]}`, wire.KindContent},
		{"first tool_calls fragment", `{"choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}`, wire.KindContent},
		{"tool_calls arguments fragment", `{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"lo"}}]},"finish_reason":null}]}`, wire.KindContent},
		{"legacy function_call", `{"choices":[{"index":0,"delta":{"function_call":{"arguments":"{"}},"finish_reason":null}]}`, wire.KindContent},
		{"finish chunk with empty delta", `{"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}`, wire.KindOther},
		{"finish chunk repeating the role", `{"choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":"length"}]}`, wire.KindOther},
		{"usage chunk with empty choices", `{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}}`, wire.KindOther},
		{"empty tool_calls", `{"choices":[{"index":0,"delta":{"tool_calls":[]},"finish_reason":null}]}`, wire.KindOther},
		{"error chunk", `{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}`, wire.KindError},
		{"error after other members", `{"id":"x","error":{"message":"m","type":"t"}}`, wire.KindError},
		{"done", `[DONE]`, wire.KindDone},
		{"not json", `{"choices":[`, wire.KindOther},
		{"empty data", ``, wire.KindOther},
		{"nested error is not an error chunk", `{"choices":[{"index":0,"delta":{"content":"{\"error\":1}"},"finish_reason":null}]}`, wire.KindContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wire.EventKind(wire.OpenAI, ev("", tt.data)); got != tt.want {
				t.Errorf("EventKind(%s) = %s, want %s", tt.data, kindName(got), kindName(tt.want))
			}
		})
	}
}

// readStream returns copies of the events of a recorded stream.
func readStream(t testing.TB, file string) []sse.Event {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	r := sse.NewReader(bytes.NewReader(b), 0)
	var evs []sse.Event
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			return evs
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		evs = append(evs, sse.Event{Name: bytes.Clone(e.Name), Data: bytes.Clone(e.Data), Raw: bytes.Clone(e.Raw)})
	}
}

func TestEventKindRecordedStreams(t *testing.T) {
	const (
		O = wire.KindOther
		P = wire.KindOpening
		C = wire.KindContent
		E = wire.KindError
		D = wire.KindDone
	)
	tests := []struct {
		file string
		d    wire.Dialect
		want []wire.Kind
	}{
		{"anthropic_tool_use.sse", wire.Anthropic, []wire.Kind{P, P, P, C, C, O, P, C, C, C, C, O, O, D}},
		{"anthropic_thinking_max_tokens.sse", wire.Anthropic, []wire.Kind{P, P, C, C, O, P, P, C, C, C, O, O, O, D}},
		{"anthropic_error.sse", wire.Anthropic, []wire.Kind{P, P, E}},
		{"openai_text.sse", wire.OpenAI, []wire.Kind{P, C, C, O, O, D}},
		{"openai_tool_calls.sse", wire.OpenAI, []wire.Kind{C, C, C, C, C, O, O, D}},
		{"openai_error.sse", wire.OpenAI, []wire.Kind{P, C, E}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var got []wire.Kind
			for _, e := range readStream(t, tt.file) {
				got = append(got, wire.EventKind(tt.d, e))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("kinds = %v, want %v", names(got), names(tt.want))
			}
		})
	}
}

func names(ks []wire.Kind) []string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = kindName(k)
	}
	return s
}

func TestEventKindAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates")
	}
	for _, tt := range []struct {
		file string
		d    wire.Dialect
	}{
		{"anthropic_tool_use.sse", wire.Anthropic},
		{"anthropic_thinking_max_tokens.sse", wire.Anthropic},
		{"openai_text.sse", wire.OpenAI},
		{"openai_tool_calls.sse", wire.OpenAI},
		{"openai_error.sse", wire.OpenAI},
	} {
		evs := readStream(t, tt.file)
		// Anthropic events without names take the data path.
		if tt.d == wire.Anthropic {
			for _, e := range readStream(t, tt.file) {
				e.Name = nil
				evs = append(evs, e)
			}
		}
		allocs := testing.AllocsPerRun(100, func() {
			for _, e := range evs {
				wire.EventKind(tt.d, e)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per stream, want 0", tt.file, allocs)
		}
	}
}

func BenchmarkEventKindOpenAI(b *testing.B) {
	benchmarkEventKind(b, wire.OpenAI, "openai_tool_calls.sse")
}

func BenchmarkEventKindAnthropic(b *testing.B) {
	benchmarkEventKind(b, wire.Anthropic, "anthropic_tool_use.sse")
}

// benchmarkEventKind classifies one event per op, cycling through a
// recorded stream.
func benchmarkEventKind(b *testing.B, d wire.Dialect, file string) {
	evs := readStream(b, file)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		wire.EventKind(d, evs[i])
		i++
		if i == len(evs) {
			i = 0
		}
	}
}

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

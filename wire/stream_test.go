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
		// openai-go ends a stream on data that starts with [DONE].
		{"done with a trailing space", `[DONE] `, wire.KindDone},
		{"done, cut", `[DONE`, wire.KindOther},
		{"not json", `{"choices":[`, wire.KindOther},
		{"empty data", ``, wire.KindOther},
		// Output in delta members other than content, refusal and tool
		// calls: audio, the reasoning of compatible servers, members added
		// later. Null or empty ones are none.
		{"audio transcript", `{"choices":[{"index":0,"delta":{"audio":{"id":"audio_1","transcript":"Hel"}},"finish_reason":null}]}`, wire.KindContent},
		{"role and audio", `{"choices":[{"index":0,"delta":{"role":"assistant","content":null,"audio":{"id":"audio_1","transcript":"Hel"}},"finish_reason":null}]}`, wire.KindContent},
		{"reasoning_content", `{"choices":[{"index":0,"delta":{"reasoning_content":"Let me think"},"finish_reason":null}]}`, wire.KindContent},
		{"role and reasoning", `{"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"Let me think"},"finish_reason":null}]}`, wire.KindContent},
		{"a delta member added later", `{"choices":[{"index":0,"delta":{"future_output":{"x":1}},"finish_reason":null}]}`, wire.KindContent},
		{"role with null and empty members", `{"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning_content":null,"tool_calls":null,"annotations":[],"audio":{}},"finish_reason":null}]}`, wire.KindOpening},
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
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("coverage instrumentation and the race detector allocate")
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

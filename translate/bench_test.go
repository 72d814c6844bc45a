package translate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
)

// benchEvents parses a stream into events that own their bytes.
func benchEvents(b *testing.B, stream string) []sse.Event {
	r := sse.NewReader(strings.NewReader(stream), 0)
	var evs []sse.Event
	for {
		ev, err := r.Next()
		if err != nil {
			break
		}
		evs = append(evs, sse.Event{Name: bytes.Clone(ev.Name), Data: bytes.Clone(ev.Data), Raw: bytes.Clone(ev.Raw)})
	}
	if len(evs) == 0 {
		b.Fatal("no events")
	}
	return evs
}

// anthropicBenchStream is a typical answer: 200 text deltas, then a tool
// call in 40 fragments.
func anthropicBenchStream() string {
	var sb strings.Builder
	ev := func(name, data string) { fmt.Fprintf(&sb, "event: %s\ndata: %s\n\n", name, data) }
	ev("message_start", `{"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":2}}}`)
	ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
	for i := range 200 {
		ev("content_block_delta", fmt.Sprintf(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"token %d of the answer, "}}`, i))
	}
	ev("content_block_stop", `{"type":"content_block_stop","index":0}`)
	ev("content_block_start", `{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}`)
	for range 40 {
		ev("content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"San Fra"}}`)
	}
	ev("content_block_stop", `{"type":"content_block_stop","index":1}`)
	ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":289}}`)
	ev("message_stop", `{"type":"message_stop"}`)
	return sb.String()
}

// openAIBenchStream is the same answer as OpenAI chunks.
func openAIBenchStream() string {
	var sb strings.Builder
	ch := func(data string) { fmt.Fprintf(&sb, "data: %s\n\n", data) }
	const head = `{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_eb9dce56a8","choices":[{"index":0,"delta":`
	ch(head + `{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`)
	for i := range 200 {
		ch(head + fmt.Sprintf(`{"content":"token %d of the answer, "},"logprobs":null,"finish_reason":null}],"usage":null}`, i))
	}
	ch(head + `{"tool_calls":[{"index":0,"id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}`)
	for range 40 {
		ch(head + `{"tool_calls":[{"index":0,"function":{"arguments":"{\"location\": \"San Fra"}}]},"logprobs":null,"finish_reason":null}],"usage":null}`)
	}
	ch(head + `{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}`)
	ch(`{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_eb9dce56a8","choices":[],"usage":{"prompt_tokens":472,"completion_tokens":289,"total_tokens":761,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`)
	ch("[DONE]")
	return sb.String()
}

// benchStream measures one event per op: whole streams are translated
// back to back, each by a fresh Stream, reusing the output buffer as a
// gateway does between flushes.
func benchStream(b *testing.B, from, to wire.Dialect, stream string) {
	evs := benchEvents(b, stream)
	req := []byte(`{"model":"m","stream":true,"stream_options":{"include_usage":true}}`)
	out := make([]byte, 0, 4096)
	var bytesOut int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; {
		s := NewStream(from, to, req)
		for j := 0; j < len(evs) && i < b.N; j++ {
			out, _ = s.Event(out[:0], evs[j])
			bytesOut += len(out)
			i++
		}
	}
	b.ReportMetric(float64(bytesOut)/float64(b.N), "out-B/event")
}

func BenchmarkStreamEventAnthropicToOpenAI(b *testing.B) {
	benchStream(b, wire.Anthropic, wire.OpenAI, anthropicBenchStream())
}

func BenchmarkStreamEventOpenAIToAnthropic(b *testing.B) {
	benchStream(b, wire.OpenAI, wire.Anthropic, openAIBenchStream())
}

// response2KB returns a response body of about 2 KB in dialect d: text and
// a tool call.
func response2KB(d wire.Dialect) []byte {
	text := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 36)
	var v any
	if d == wire.Anthropic {
		v = map[string]any{"id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant",
			"model": "claude-sonnet-4-5", "stop_reason": "tool_use", "stop_sequence": nil,
			"content": []any{map[string]any{"type": "text", "text": text},
				map[string]any{"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": map[string]any{"location": "San Francisco, CA", "unit": "celsius"}}},
			"usage": map[string]any{"input_tokens": 472, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 100, "output_tokens": 289}}
	} else {
		v = map[string]any{"id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT", "object": "chat.completion", "created": 1741569952,
			"model": "gpt-4o-2024-08-06", "choices": []any{map[string]any{"index": 0, "finish_reason": "tool_calls", "logprobs": nil,
				"message": map[string]any{"role": "assistant", "content": text, "refusal": nil,
					"tool_calls": []any{map[string]any{"id": "call_1", "type": "function", "function": map[string]any{
						"name": "get_weather", "arguments": `{"location":"San Francisco, CA","unit":"celsius"}`}}}}}},
			"usage": map[string]any{"prompt_tokens": 472, "completion_tokens": 289, "total_tokens": 761,
				"prompt_tokens_details": map[string]any{"cached_tokens": 100}}}
	}
	body, _ := json.Marshal(v)
	return body
}

func BenchmarkResponse2KB(b *testing.B) {
	for _, c := range []struct {
		name     string
		from, to wire.Dialect
	}{{"AnthropicToOpenAI", wire.Anthropic, wire.OpenAI}, {"OpenAIToAnthropic", wire.OpenAI, wire.Anthropic}} {
		body := response2KB(c.from)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := Response(c.from, c.to, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRequest(b *testing.B) {
	for _, c := range []struct {
		name, file string
		from, to   wire.Dialect
	}{
		{"OpenAIToAnthropic", "testdata/request/openai-to-anthropic/tools.in.json", wire.OpenAI, wire.Anthropic},
		{"AnthropicToOpenAI", "testdata/request/anthropic-to-openai/tools.in.json", wire.Anthropic, wire.OpenAI},
	} {
		body, err := os.ReadFile(c.file)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := Request(c.from, c.to, body, "target"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

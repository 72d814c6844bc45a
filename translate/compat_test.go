package translate

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/openai/openai-go/v3"

	"github.com/lifelinehq/lifeline/wire"
)

// sseOf frames Anthropic events (name, data pairs) or, with no names,
// OpenAI data lines.
func sseOf(events ...[2]string) []byte {
	var sb strings.Builder
	for _, e := range events {
		if e[0] != "" {
			sb.WriteString("event: " + e[0] + "\n")
		}
		sb.WriteString("data: " + e[1] + "\n\n")
	}
	return []byte(sb.String())
}

// Anthropic's usage counts are nullable: a message_delta that states
// "input_tokens": null (or a null cache count) says nothing about it, so the
// counts of message_start still make up the OpenAI client's usage.
func TestOpenAISDKUsageIgnoresNullAnthropicCounts(t *testing.T) {
	body := sseOf(
		[2]string{"message_start", `{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":7,"cache_read_input_tokens":3,"output_tokens":1}}}`},
		[2]string{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`},
		[2]string{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}`},
		[2]string{"content_block_stop", `{"type":"content_block_stop","index":0}`},
		[2]string{"message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":null,"cache_creation_input_tokens":null,"cache_read_input_tokens":null,"output_tokens":15}}`},
		[2]string{"message_stop", `{"type":"message_stop"}`},
	)
	srv := translatingServer(t, wire.OpenAI, wire.Anthropic, func([]byte) (int, []byte) { return 200, body })
	client := openAIClient(srv.URL)
	stream := client.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model:         "route",
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	acc := openai.ChatCompletionAccumulator{}
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	u := acc.Usage
	if u.PromptTokens != 35 || u.CompletionTokens != 15 || u.TotalTokens != 50 || u.PromptTokensDetails.CachedTokens != 3 {
		t.Errorf("usage = prompt %d, completion %d, total %d, cached %d; want 35, 15, 50, 3",
			u.PromptTokens, u.CompletionTokens, u.TotalTokens, u.PromptTokensDetails.CachedTokens)
	}
}

// Anthropic refuses empty and whitespace-only stop sequences (400
// "stop_sequences: each stop sequence must contain non-whitespace"), which
// OpenAI accepts: they are left out rather than failing the request.
func TestRequestDropsWhitespaceStopSequences(t *testing.T) {
	for _, c := range []struct{ stop, want string }{
		{`"\n"`, `null`},
		{`["\n", "END", " \t", ""]`, `["END"]`},
		{`["\n\nHuman:"]`, `["\n\nHuman:"]`},
	} {
		body := `{"model":"m","messages":[{"role":"user","content":"hi"}],"stop":` + c.stop + `}`
		out, err := Request(wire.OpenAI, wire.Anthropic, []byte(body), "")
		if err != nil {
			t.Fatalf("stop %s: %v", c.stop, err)
		}
		var got struct {
			StopSequences json.RawMessage `json:"stop_sequences"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if g := string(got.StopSequences); g != c.want && !(g == "" && c.want == "null") {
			t.Errorf("stop %s: stop_sequences = %s, want %s", c.stop, g, c.want)
		}
	}
}

// Some OpenAI-compatible servers (Ollama among them) stream every tool call
// of a turn with index 0, or with no index at all; each call still starts
// with its own id. Each must become its own tool_use block, while a server
// that repeats a call's id on every fragment keeps one block per call.
// Others interleave the fragments of several calls: Anthropic blocks cannot
// interleave, so each call still gets its whole input, in its own block.
func TestAnthropicSDKStreamsToolCallsWithReusedIndex(t *testing.T) {
	const head = `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"llama","choices":[{"index":0,"delta":`
	for name, calls := range map[string][]string{
		"index 0 for every call": {
			`{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"write","arguments":"{\"path\":"}}]}`,
			`{"tool_calls":[{"index":0,"function":{"arguments":"\"a.py\"}"}}]}`,
			`{"tool_calls":[{"index":0,"id":"call_b","type":"function","function":{"name":"write","arguments":"{\"path\":"}}]}`,
			`{"tool_calls":[{"index":0,"function":{"arguments":"\"b.py\"}"}}]}`,
		},
		"no index": {
			`{"tool_calls":[{"id":"call_a","type":"function","function":{"name":"write","arguments":"{\"path\":\"a.py\"}"}}]}`,
			`{"tool_calls":[{"id":"call_b","type":"function","function":{"name":"write","arguments":"{\"path\":\"b.py\"}"}}]}`,
		},
		"interleaved fragments": {
			`{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"write","arguments":"{\"path\":"}}]}`,
			`{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"write","arguments":"{\"path\":"}}]}`,
			`{"tool_calls":[{"index":0,"function":{"arguments":"\"a.py\"}"}}]}`,
			`{"tool_calls":[{"index":1,"function":{"arguments":"\"b.py\"}"}}]}`,
		},
		"every call starts before any arguments": {
			`{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"write","arguments":""}},` +
				`{"index":1,"id":"call_b","type":"function","function":{"name":"write","arguments":""}}]}`,
			`{"tool_calls":[{"index":0,"function":{"arguments":"{\"path\":\"a.py\"}"}}]}`,
			`{"tool_calls":[{"index":1,"function":{"arguments":"{\"path\":\"b.py\"}"}}]}`,
		},
		"id repeated on every fragment": {
			`{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"write","arguments":"{\"path\":"}}]}`,
			`{"tool_calls":[{"index":0,"id":"call_a","function":{"arguments":"\"a.py\"}"}}]}`,
			`{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"write","arguments":"{\"path\":"}}]}`,
			`{"tool_calls":[{"index":1,"id":"call_b","function":{"arguments":"\"b.py\"}"}}]}`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			var events [][2]string
			events = append(events, [2]string{"", head + `{"role":"assistant","content":null},"finish_reason":null}]}`})
			for _, c := range calls {
				events = append(events, [2]string{"", head + c + `,"finish_reason":null}]}`})
			}
			events = append(events, [2]string{"", head + `{},"finish_reason":"tool_calls"}]}`}, [2]string{"", "[DONE]"})
			body := sseOf(events...)
			srv := translatingServer(t, wire.Anthropic, wire.OpenAI, func([]byte) (int, []byte) { return 200, body })
			client := anthropicClient(srv.URL)
			stream := client.Messages.NewStreaming(context.Background(), anthropic.MessageNewParams{
				Model: "route", MaxTokens: 100,
				Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("write a.py and b.py"))},
			})
			msg := accumulate(t, stream)
			var got []string
			for _, b := range msg.Content {
				got = append(got, b.Type+" "+b.ID+" "+b.Name+" "+string(b.Input))
			}
			want := []string{`tool_use call_a write {"path":"a.py"}`, `tool_use call_b write {"path":"b.py"}`}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("content:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if msg.StopReason != anthropic.StopReasonToolUse {
				t.Errorf("stop_reason = %q", msg.StopReason)
			}
		})
	}
}

// Anthropic refuses empty text blocks ("text content blocks must be
// non-empty"): an OpenAI tool result given as parts keeps only the parts
// with text, and one with none becomes a tool_result without content, as an
// empty string result does.
func TestRequestToolResultPartsSkipEmptyText(t *testing.T) {
	for _, c := range []struct{ content, want string }{
		{`[{"type":"text","text":""}]`, `{"type":"tool_result","tool_use_id":"c1"}`},
		{`[{"type":"text","text":"ok"},{"type":"text","text":""}]`, `{"type":"tool_result","tool_use_id":"c1","content":[{"type":"text","text":"ok"}]}`},
		{`""`, `{"type":"tool_result","tool_use_id":"c1"}`},
	} {
		body := `{"model":"m","messages":[{"role":"user","content":"hi"},` +
			`{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},` +
			`{"role":"tool","tool_call_id":"c1","content":` + c.content + `}]}`
		out, err := Request(wire.OpenAI, wire.Anthropic, []byte(body), "")
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Messages []struct {
				Content json.RawMessage `json:"content"`
			} `json:"messages"`
		}
		var results []json.RawMessage
		if err := json.Unmarshal(out, &got); err != nil || len(got.Messages) != 3 {
			t.Fatalf("content %s: %s (%v)", c.content, out, err)
		}
		if err := json.Unmarshal(got.Messages[2].Content, &results); err != nil || len(results) != 1 {
			t.Fatalf("content %s: %s (%v)", c.content, out, err)
		}
		if g := string(results[0]); g != c.want {
			t.Errorf("content %s: tool_result = %s, want %s", c.content, g, c.want)
		}
	}
}

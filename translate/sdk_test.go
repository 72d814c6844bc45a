package translate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	anthropicoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/anthropics/anthropic-sdk-go/v2/packages/ssestream"
	"github.com/openai/openai-go/v3"
	openaioption "github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
)

// translatingServer is a minimal gateway: it translates the client's
// request from dialect client to dialect upstream (checking it is a valid
// request), hands it to upstream, and translates what upstream returns
// back, streaming event by event when the answer is an SSE stream.
func translatingServer(t *testing.T, client, up wire.Dialect, upstream func(req []byte) (status int, body []byte)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		clientReq, _ := io.ReadAll(r.Body)
		upReq, err := Request(client, up, clientReq, "upstream-model")
		if err != nil {
			t.Errorf("translating request: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		status, body := upstream(upReq)
		switch {
		case status != http.StatusOK:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write(Error(up, client, status, body))
		case bytes.HasPrefix(body, []byte("event:")) || bytes.HasPrefix(body, []byte("data:")):
			w.Header().Set("Content-Type", "text/event-stream")
			s := NewStream(up, client, clientReq)
			rd := sse.NewReader(bytes.NewReader(body), 0)
			var out []byte
			for {
				ev, err := rd.Next()
				if err != nil {
					return
				}
				out, _ = s.Event(out[:0], ev)
				_, _ = w.Write(out)
				w.(http.Flusher).Flush()
			}
		default:
			out, err := Response(up, client, body)
			if err != nil {
				t.Errorf("translating response: %v", err)
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(out)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// serveFile answers every request with a testdata file, after checking the
// translated request with check.
func serveFile(t *testing.T, status int, path string, check func(req map[string]any)) func([]byte) (int, []byte) {
	body, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	return func(req []byte) (int, []byte) {
		var m map[string]any
		if err := json.Unmarshal(req, &m); err != nil {
			t.Errorf("translated request is not JSON: %v", err)
		}
		if check != nil {
			check(m)
		}
		return status, body
	}
}

func openAIClient(url string) openai.Client {
	return openai.NewClient(openaioption.WithBaseURL(url), openaioption.WithAPIKey("x"), openaioption.WithMaxRetries(0))
}

func anthropicClient(url string) anthropic.Client {
	return anthropic.NewClient(anthropicoption.WithBaseURL(url), anthropicoption.WithAPIKey("x"), anthropicoption.WithMaxRetries(0))
}

func weatherToolOpenAI() openai.ChatCompletionToolUnionParam {
	return openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
		Name:       "get_weather",
		Parameters: shared.FunctionParameters{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}},
	})
}

func weatherToolAnthropic() anthropic.ToolUnionParam {
	return anthropic.ToolUnionParamOfTool(anthropic.ToolInputSchemaParam{
		Properties: map[string]any{"city": map[string]any{"type": "string"}}}, "get_weather")
}

func TestOpenAISDKStreamsFromAnthropic(t *testing.T) {
	srv := translatingServer(t, wire.OpenAI, wire.Anthropic, serveFile(t, 200, "stream/anthropic-to-openai/tool-use.in.sse",
		func(req map[string]any) {
			if req["stream"] != true || req["max_tokens"] == nil || req["tools"] == nil {
				t.Errorf("upstream request lacks stream, max_tokens or tools: %v", req)
			}
		}))
	client := openAIClient(srv.URL)
	stream := client.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model:         "route",
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Weather in Paris?")},
		Tools:         []openai.ChatCompletionToolUnionParam{weatherToolOpenAI()},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	acc := openai.ChatCompletionAccumulator{}
	var finished []string
	for stream.Next() {
		if !acc.AddChunk(stream.Current()) {
			t.Fatalf("accumulator refused chunk %s", stream.Current().RawJSON())
		}
		if tc, ok := acc.JustFinishedToolCall(); ok {
			finished = append(finished, tc.Name+tc.Arguments)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if len(acc.Choices) != 1 {
		t.Fatalf("choices = %d, want 1", len(acc.Choices))
	}
	msg := acc.Choices[0].Message
	if msg.Content != "Let me check." {
		t.Errorf("content = %q", msg.Content)
	}
	if len(msg.ToolCalls) != 2 {
		t.Fatalf("tool calls = %d, want 2", len(msg.ToolCalls))
	}
	want := []struct{ id, name, args string }{
		{"toolu_01A", "get_weather", `{"city": "Paris"}`},
		{"toolu_01B", "get_time", `{}`},
	}
	for i, w := range want {
		tc := msg.ToolCalls[i]
		if tc.ID != w.id || tc.Function.Name != w.name || tc.Function.Arguments != w.args || tc.Type != "function" {
			t.Errorf("tool call %d = %s %s %s %s, want %+v", i, tc.ID, tc.Type, tc.Function.Name, tc.Function.Arguments, w)
		}
	}
	if got := strings.Join(finished, "|"); got != `get_weather{"city": "Paris"}|get_time{}` {
		t.Errorf("finished tool calls = %q", got)
	}
	if acc.Choices[0].FinishReason != "tool_calls" {
		t.Errorf("finish_reason = %q", acc.Choices[0].FinishReason)
	}
	u := acc.Usage
	if u.PromptTokens != 420 || u.CompletionTokens != 60 || u.TotalTokens != 480 || u.PromptTokensDetails.CachedTokens != 300 {
		t.Errorf("usage = %+v", u)
	}
	if acc.ID != "msg_01XYZ" || acc.Model != "claude-sonnet-4-5" {
		t.Errorf("id, model = %q, %q", acc.ID, acc.Model)
	}
}

func TestOpenAISDKSeesAnthropicStreamError(t *testing.T) {
	srv := translatingServer(t, wire.OpenAI, wire.Anthropic, serveFile(t, 200, "stream/anthropic-to-openai/error-overloaded.in.sse", nil))
	client := openAIClient(srv.URL)
	stream := client.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model: "route", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
	})
	var text string
	for stream.Next() {
		for _, c := range stream.Current().Choices {
			text += c.Delta.Content
		}
	}
	err := stream.Err()
	if err == nil || !strings.Contains(err.Error(), "Overloaded") {
		t.Fatalf("stream error = %v, want the upstream overloaded error", err)
	}
	if text != "Partial" {
		t.Errorf("text before the error = %q", text)
	}
}

func TestAnthropicSDKStreamsTextFromOpenAI(t *testing.T) {
	srv := translatingServer(t, wire.Anthropic, wire.OpenAI, serveFile(t, 200, "stream/openai-to-anthropic/text.in.sse",
		func(req map[string]any) {
			so, _ := req["stream_options"].(map[string]any)
			if req["stream"] != true || so["include_usage"] != true {
				t.Errorf("upstream request does not ask for a usage chunk: %v", req)
			}
		}))
	client := anthropicClient(srv.URL)
	stream := client.Messages.NewStreaming(context.Background(), anthropic.MessageNewParams{
		Model: "route", MaxTokens: 100,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
	})
	msg := accumulate(t, stream)
	if msg.ID != "chatcmpl-9xYz" || msg.Model != "gpt-4o-2024-08-06" {
		t.Errorf("id, model = %q, %q", msg.ID, msg.Model)
	}
	if len(msg.Content) != 1 || msg.Content[0].Type != "text" || msg.Content[0].Text != `Hello, "world" <ok> & \né` {
		t.Fatalf("content = %+v", msg.Content)
	}
	if msg.StopReason != anthropic.StopReasonEndTurn {
		t.Errorf("stop_reason = %q", msg.StopReason)
	}
	u := msg.Usage
	if u.InputTokens != 120 || u.CacheReadInputTokens != 300 || u.CacheCreationInputTokens != 0 || u.OutputTokens != 12 {
		t.Errorf("usage = in %d, cache read %d, cache write %d, out %d", u.InputTokens, u.CacheReadInputTokens, u.CacheCreationInputTokens, u.OutputTokens)
	}
}

func TestAnthropicSDKStreamsToolCallFromOpenAI(t *testing.T) {
	srv := translatingServer(t, wire.Anthropic, wire.OpenAI, serveFile(t, 200, "stream/openai-to-anthropic/tool-calls.in.sse", nil))
	client := anthropicClient(srv.URL)
	stream := client.Messages.NewStreaming(context.Background(), anthropic.MessageNewParams{
		Model: "route", MaxTokens: 100,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Weather in Paris?"))},
		Tools:    []anthropic.ToolUnionParam{weatherToolAnthropic()},
	})
	msg := accumulate(t, stream)
	type block struct{ typ, text, id, name, input string }
	var got []block
	for _, c := range msg.Content {
		got = append(got, block{c.Type, c.Text, c.ID, c.Name, string(c.Input)})
	}
	want := []block{
		{typ: "text", text: "Let me check."},
		{typ: "tool_use", id: "call_A", name: "get_weather", input: `{"city": "Paris"}`},
		{typ: "tool_use", id: "call_B", name: "get_time", input: `{}`},
	}
	if len(got) != len(want) {
		t.Fatalf("content = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("block %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if msg.StopReason != anthropic.StopReasonToolUse {
		t.Errorf("stop_reason = %q", msg.StopReason)
	}
	if msg.Usage.InputTokens != 50 || msg.Usage.OutputTokens != 30 {
		t.Errorf("usage = in %d, out %d", msg.Usage.InputTokens, msg.Usage.OutputTokens)
	}
	var input struct{ City string }
	if err := json.Unmarshal(msg.Content[1].Input, &input); err != nil || input.City != "Paris" {
		t.Errorf("tool input does not parse: %v %+v", err, input)
	}
}

func TestAnthropicSDKSeesOpenAIStreamError(t *testing.T) {
	srv := translatingServer(t, wire.Anthropic, wire.OpenAI, serveFile(t, 200, "stream/openai-to-anthropic/error-midstream.in.sse", nil))
	client := anthropicClient(srv.URL)
	stream := client.Messages.NewStreaming(context.Background(), anthropic.MessageNewParams{
		Model: "route", MaxTokens: 100,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
	})
	msg := anthropic.Message{}
	for stream.Next() {
		_ = msg.Accumulate(stream.Current())
	}
	var apiErr *anthropic.Error
	if err := stream.Err(); !errors.As(err, &apiErr) || apiErr.Type() != "api_error" {
		t.Fatalf("stream error = %v, want an api_error", err)
	}
	if len(msg.Content) != 1 || msg.Content[0].Text != "Partial" {
		t.Errorf("content before the error = %+v", msg.Content)
	}
}

func TestOpenAISDKParsesAnthropicResponse(t *testing.T) {
	srv := translatingServer(t, wire.OpenAI, wire.Anthropic, serveFile(t, 200, "response/anthropic-to-openai/tool-use.in.json", nil))
	client := openAIClient(srv.URL)
	res, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "route", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
		Tools: []openai.ChatCompletionToolUnionParam{weatherToolOpenAI()},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != "msg_01ABC" || len(res.Choices) != 1 {
		t.Fatalf("id %q, %d choices", res.ID, len(res.Choices))
	}
	c := res.Choices[0]
	if c.Message.Content != "Checking." || c.FinishReason != "tool_calls" || len(c.Message.ToolCalls) != 2 {
		t.Fatalf("choice = %+v", c)
	}
	if tc := c.Message.ToolCalls[0]; tc.ID != "toolu_1" || tc.Function.Name != "get_weather" || tc.Function.Arguments != `{"city":"Paris","unit":"c"}` {
		t.Errorf("tool call = %+v", tc)
	}
	if u := res.Usage; u.PromptTokens != 420 || u.CompletionTokens != 50 || u.PromptTokensDetails.CachedTokens != 300 {
		t.Errorf("usage = %+v", u)
	}
}

func TestAnthropicSDKParsesOpenAIResponse(t *testing.T) {
	srv := translatingServer(t, wire.Anthropic, wire.OpenAI, serveFile(t, 200, "response/openai-to-anthropic/tool-calls.in.json", nil))
	client := anthropicClient(srv.URL)
	msg, err := client.Messages.New(context.Background(), anthropic.MessageNewParams{
		Model: "route", MaxTokens: 100,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
	})
	if err != nil {
		t.Fatal(err)
	}
	if msg.ID != "chatcmpl-abc123" || len(msg.Content) != 3 || msg.StopReason != anthropic.StopReasonToolUse {
		t.Fatalf("message = %+v", msg)
	}
	if b := msg.Content[0]; b.Type != "text" || b.Text != "Checking." {
		t.Errorf("block 0 = %+v", b)
	}
	if b := msg.Content[1]; b.Type != "tool_use" || b.ID != "call_1" || b.Name != "get_weather" || string(b.Input) != `{"city":"Paris"}` {
		t.Errorf("block 1 = %s %s %s %s", b.Type, b.ID, b.Name, b.Input)
	}
	if b := msg.Content[2]; b.Type != "tool_use" || string(b.Input) != `{}` {
		t.Errorf("block 2 (invalid arguments) = %s %s", b.Type, b.Input)
	}
	if msg.Usage.InputTokens != 120 || msg.Usage.CacheReadInputTokens != 300 || msg.Usage.OutputTokens != 50 {
		t.Errorf("usage = %+v", msg.Usage)
	}
}

func TestAnthropicSDKParsesOpenAIError(t *testing.T) {
	srv := translatingServer(t, wire.Anthropic, wire.OpenAI, serveFile(t, 429, "error/openai-to-anthropic/429-insufficient-quota.in.json", nil))
	client := anthropicClient(srv.URL)
	_, err := client.Messages.New(context.Background(), anthropic.MessageNewParams{
		Model: "route", MaxTokens: 100,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
	})
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Type() != "billing_error" ||
		!strings.Contains(apiErr.Message, "exceeded your current quota") {
		t.Fatalf("error = %v", err)
	}
}

func TestOpenAISDKParsesAnthropicError(t *testing.T) {
	srv := translatingServer(t, wire.OpenAI, wire.Anthropic, serveFile(t, 529, "error/anthropic-to-openai/529-overloaded.in.json", nil))
	client := openAIClient(srv.URL)
	_, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "route", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
	})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 529 || apiErr.Type != "server_error" || apiErr.Code != "overloaded" || apiErr.Message != "Overloaded" {
		t.Fatalf("error = %v", err)
	}
}

// accumulate reads an Anthropic stream to its end into one message; an
// error on the way fails the test.
func accumulate(t *testing.T, stream *ssestream.Stream[anthropic.MessageStreamEventUnion]) anthropic.Message {
	t.Helper()
	msg := anthropic.Message{}
	for stream.Next() {
		if err := msg.Accumulate(stream.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	return msg
}

package mock

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// output is what a response says, in either dialect.
type output struct {
	id, model, text, finish string
	toolID, toolName        string
	toolArgs                string // JSON text of the arguments / input
	promptTokens, outTokens int
}

// decodeJSON reads a non-streaming answer.
func decodeJSON(t *testing.T, d wire.Dialect, body []byte) output {
	t.Helper()
	var o output
	if d == wire.Anthropic {
		var m struct {
			ID, Type, Role, Model string
			Content               []struct {
				Type, Text, ID, Name string
				Input                json.RawMessage
			}
			StopReason string `json:"stop_reason"`
			Usage      struct {
				InputTokens  *int `json:"input_tokens"`
				OutputTokens *int `json:"output_tokens"`
			}
		}
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("body is not JSON: %v\n%s", err, body)
		}
		if m.Type != "message" || m.Role != "assistant" || m.Usage.InputTokens == nil || m.Usage.OutputTokens == nil {
			t.Fatalf("not a Message: %s", body)
		}
		o.id, o.model, o.finish = m.ID, m.Model, m.StopReason
		o.promptTokens, o.outTokens = *m.Usage.InputTokens, *m.Usage.OutputTokens
		for _, c := range m.Content {
			switch c.Type {
			case "text":
				o.text += c.Text
			case "tool_use":
				o.toolID, o.toolName, o.toolArgs = c.ID, c.Name, string(c.Input)
			}
		}
		return o
	}
	var c struct {
		ID, Object, Model string
		Choices           []struct {
			Message struct {
				Role      string
				Content   *string
				ToolCalls []struct {
					ID, Type string
					Function struct{ Name, Arguments string }
				} `json:"tool_calls"`
			}
			FinishReason string `json:"finish_reason"`
		}
		Usage *struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
			TotalTokens      int `json:"total_tokens"`
		}
	}
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
	if c.Object != "chat.completion" || len(c.Choices) != 1 || c.Usage == nil ||
		c.Usage.TotalTokens != c.Usage.PromptTokens+c.Usage.CompletionTokens {
		t.Fatalf("not a chat.completion: %s", body)
	}
	ch := c.Choices[0]
	o.id, o.model, o.finish = c.ID, c.Model, ch.FinishReason
	o.promptTokens, o.outTokens = c.Usage.PromptTokens, c.Usage.CompletionTokens
	if ch.Message.Content != nil {
		o.text = *ch.Message.Content
	}
	for _, tc := range ch.Message.ToolCalls {
		if tc.Type != "function" {
			t.Fatalf("tool call type %q", tc.Type)
		}
		o.toolID, o.toolName, o.toolArgs = tc.ID, tc.Function.Name, tc.Function.Arguments
	}
	return o
}

// accumulate rebuilds the answer of a stream, checking that every event
// carries the same id and model.
func accumulate(t *testing.T, d wire.Dialect, evs []event) output {
	t.Helper()
	var o output
	for _, ev := range evs {
		if ev.data == "[DONE]" {
			continue
		}
		if d == wire.Anthropic {
			var e struct {
				Type    string
				Message struct {
					ID, Model string
					Usage     struct {
						InputTokens int `json:"input_tokens"`
					}
				}
				ContentBlock struct{ Type, ID, Name string } `json:"content_block"`
				Delta        struct {
					Type, Text  string
					PartialJSON string `json:"partial_json"`
					StopReason  string `json:"stop_reason"`
				}
				Usage struct {
					OutputTokens int `json:"output_tokens"`
				}
			}
			if err := json.Unmarshal([]byte(ev.data), &e); err != nil {
				t.Fatalf("event data is not JSON: %s", ev.data)
			}
			if e.Type != ev.name {
				t.Fatalf("event %q carries type %q", ev.name, e.Type)
			}
			switch e.Type {
			case "message_start":
				o.id, o.model, o.promptTokens = e.Message.ID, e.Message.Model, e.Message.Usage.InputTokens
			case "content_block_start":
				if e.ContentBlock.Type == "tool_use" {
					o.toolID, o.toolName = e.ContentBlock.ID, e.ContentBlock.Name
				}
			case "content_block_delta":
				o.text += e.Delta.Text
				o.toolArgs += e.Delta.PartialJSON
			case "message_delta":
				o.finish, o.outTokens = e.Delta.StopReason, e.Usage.OutputTokens
			}
			continue
		}
		var c struct {
			ID, Object, Model string
			Choices           []struct {
				Delta struct {
					Content   string
					ToolCalls []struct {
						Index    int
						ID, Type string
						Function struct{ Name, Arguments string }
					} `json:"tool_calls"`
				}
				FinishReason *string `json:"finish_reason"`
			}
			Usage *struct {
				PromptTokens     int `json:"prompt_tokens"`
				CompletionTokens int `json:"completion_tokens"`
			}
			Error json.RawMessage
		}
		if err := json.Unmarshal([]byte(ev.data), &c); err != nil {
			t.Fatalf("chunk is not JSON: %s", ev.data)
		}
		if c.Error != nil {
			continue
		}
		if c.Object != "chat.completion.chunk" || (o.id != "" && c.ID != o.id) {
			t.Fatalf("chunk object %q id %q (want id %q)", c.Object, c.ID, o.id)
		}
		o.id, o.model = c.ID, c.Model
		if c.Usage != nil {
			o.promptTokens, o.outTokens = c.Usage.PromptTokens, c.Usage.CompletionTokens
		}
		for _, ch := range c.Choices {
			o.text += ch.Delta.Content
			for _, tc := range ch.Delta.ToolCalls {
				if tc.Index != 0 {
					t.Fatalf("tool call index %d", tc.Index)
				}
				if tc.ID != "" {
					o.toolID, o.toolName = tc.ID, tc.Function.Name
				}
				o.toolArgs += tc.Function.Arguments
			}
			if ch.FinishReason != nil {
				o.finish = *ch.FinishReason
			}
		}
	}
	return o
}

// answer reads a whole response, streamed or not.
func answer(t *testing.T, d wire.Dialect, resp *http.Response, stream bool) (output, []event) {
	t.Helper()
	if !stream {
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return decodeJSON(t, d, body), nil
	}
	evs, err := readEvents(t, resp.Body)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	return accumulate(t, d, evs), evs
}

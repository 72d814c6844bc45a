package translate

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// OpenAI chat.completion response.
type oaResponse struct {
	ID      string     `json:"id"`
	Object  string     `json:"object"`
	Created int64      `json:"created"`
	Model   string     `json:"model"`
	Choices []oaChoice `json:"choices"`
	Usage   *oaUsage   `json:"usage,omitempty"`
}

type oaChoice struct {
	Index        int             `json:"index"`
	Message      oaResponseMsg   `json:"message"`
	FinishReason *string         `json:"finish_reason"`
	Logprobs     json.RawMessage `json:"logprobs,omitempty"`
}

type oaResponseMsg struct {
	Role      string       `json:"role"`
	Content   *string      `json:"content"`
	Refusal   *string      `json:"refusal"`
	ToolCalls []oaToolCall `json:"tool_calls,omitempty"`
}

type oaUsage struct {
	PromptTokens        int64               `json:"prompt_tokens"`
	CompletionTokens    int64               `json:"completion_tokens"`
	TotalTokens         int64               `json:"total_tokens"`
	PromptTokensDetails *oaPromptTokDetails `json:"prompt_tokens_details,omitempty"`
}

type oaPromptTokDetails struct {
	CachedTokens     int64 `json:"cached_tokens"`
	CacheWriteTokens int64 `json:"cache_write_tokens,omitempty"`
}

// Anthropic message response.
type anResponse struct {
	ID           string    `json:"id"`
	Type         string    `json:"type"`
	Role         string    `json:"role"`
	Content      []anBlock `json:"content"`
	Model        string    `json:"model"`
	StopReason   *string   `json:"stop_reason"`
	StopSequence *string   `json:"stop_sequence"`
	Usage        anUsage   `json:"usage"`
}

type anUsage struct {
	InputTokens              int64 `json:"input_tokens"`
	CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
	OutputTokens             int64 `json:"output_tokens"`
}

// usageToOpenAI maps Anthropic usage to OpenAI's: prompt tokens include
// cache reads and writes; cached_tokens are the reads and
// cache_write_tokens the writes.
func usageToOpenAI(u anUsage) oaUsage {
	prompt := u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens
	return oaUsage{PromptTokens: prompt, CompletionTokens: u.OutputTokens,
		TotalTokens:         prompt + u.OutputTokens,
		PromptTokensDetails: &oaPromptTokDetails{CachedTokens: u.CacheReadInputTokens, CacheWriteTokens: u.CacheCreationInputTokens}}
}

// usageToAnthropic is the inverse of usageToOpenAI: input tokens exclude
// cached reads and writes.
func usageToAnthropic(u oaUsage) anUsage {
	var a anUsage
	if d := u.PromptTokensDetails; d != nil {
		a.CacheReadInputTokens, a.CacheCreationInputTokens = d.CachedTokens, d.CacheWriteTokens
	}
	a.InputTokens = max(u.PromptTokens-a.CacheReadInputTokens-a.CacheCreationInputTokens, 0)
	a.OutputTokens = u.CompletionTokens
	return a
}

// responseAnthropicToOpenAI builds a chat.completion from an Anthropic
// message: text blocks joined into content, tool_use blocks as tool_calls,
// thinking and server-tool blocks dropped.
func (o Options) responseAnthropicToOpenAI(body []byte) ([]byte, error) {
	var in anResponse
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidResponse, err)
	}
	if in.Type != "" && in.Type != "message" {
		return nil, fmt.Errorf("%w: type %q", ErrInvalidResponse, in.Type)
	}
	msg := oaResponseMsg{Role: "assistant"}
	var text strings.Builder
	for _, b := range in.Content {
		switch b.Type {
		case "text":
			text.WriteString(textOf(b.Text))
		case "tool_use":
			args := "{}"
			if isObject(b.Input) {
				a, _ := marshal(b.Input)
				args = string(a)
			}
			msg.ToolCalls = append(msg.ToolCalls, oaToolCall{ID: b.ID, Type: "function",
				Function: oaFunctionCall{Name: b.Name, Arguments: args}})
		}
	}
	if text.Len() > 0 || len(msg.ToolCalls) == 0 {
		msg.Content = ptr(text.String())
	}
	reason := "stop"
	if in.StopReason != nil {
		reason = finishReason(*in.StopReason)
	}
	u := usageToOpenAI(in.Usage)
	out := oaResponse{ID: in.ID, Object: "chat.completion", Created: o.now().Unix(), Model: in.Model,
		Choices: []oaChoice{{Index: 0, Message: msg, FinishReason: &reason, Logprobs: json.RawMessage("null")}},
		Usage:   &u}
	return marshal(out)
}

// responseOpenAIToAnthropic builds an Anthropic message from the first
// choice of a chat.completion: content (or a refusal) as a text block, then
// one tool_use block per tool call with its arguments parsed ({} when they
// are not a JSON object).
func (o Options) responseOpenAIToAnthropic(body []byte) ([]byte, error) {
	var in oaResponse
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidResponse, err)
	}
	out := anResponse{ID: in.ID, Type: "message", Role: "assistant", Content: []anBlock{}, Model: in.Model}
	if out.ID == "" {
		out.ID = "msg_" + strconv.FormatInt(o.now().UnixNano(), 36)
	}
	reason := "end_turn"
	if len(in.Choices) > 0 {
		c := in.Choices[0]
		for _, ch := range in.Choices {
			if ch.Index == 0 {
				c = ch
				break
			}
		}
		if t := textOf(c.Message.Content); t != "" && (len(c.Message.ToolCalls) == 0 || strings.TrimSpace(t) != "") {
			// Whitespace beside tool calls is left out: Anthropic refuses
			// it when the client sends the turn back.
			out.Content = append(out.Content, anBlock{Type: "text", Text: &t})
		}
		if r := textOf(c.Message.Refusal); r != "" {
			out.Content = append(out.Content, anBlock{Type: "text", Text: &r})
		}
		for _, tc := range c.Message.ToolCalls {
			out.Content = append(out.Content, anBlock{Type: "tool_use", ID: anthropicToolID(tc.ID), Name: tc.Function.Name,
				Input: argumentsObject(tc.Function.Arguments)})
		}
		if c.FinishReason != nil {
			reason = stopReason(*c.FinishReason)
		}
		if textOf(c.Message.Refusal) != "" && reason == "end_turn" {
			reason = "refusal"
		}
		reason = withTools(reason, len(c.Message.ToolCalls) > 0)
	}
	out.StopReason = &reason
	if in.Usage != nil {
		out.Usage = usageToAnthropic(*in.Usage)
	}
	return marshal(out)
}

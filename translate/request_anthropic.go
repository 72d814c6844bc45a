package translate

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/lifelinehq/lifeline/wire"
)

// anthropicRequestKey reports whether an Anthropic request member has an
// OpenAI counterpart; every other member (top_k, thinking, service_tier…)
// is dropped.
func anthropicRequestKey(k string) bool {
	switch k {
	case "model", "messages", "system", "max_tokens", "stop_sequences", "temperature", "top_p",
		"stream", "tools", "tool_choice", "metadata", "output_config":
		return true
	}
	return false
}

// maxOpenAIStop is the most stop sequences OpenAI's stop takes.
const maxOpenAIStop = 4

// responseFormatName names the json_schema of an OpenAI response_format
// built from Anthropic's output_config, which has no name.
const responseFormatName = "response"

// requestAnthropicToOpenAI builds an OpenAI Chat Completions request from an
// Anthropic Messages request.
func (o Options) requestAnthropicToOpenAI(body []byte, model string) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return nil, fmt.Errorf("%w: want a JSON object", ErrInvalidRequest)
	}
	var in anRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	if isNull(top["messages"]) {
		return nil, fmt.Errorf("%w: missing messages", ErrInvalidRequest)
	}
	if v := top["mcp_servers"]; !isNull(v) && string(v) != "[]" {
		// Tools the model would not be offered change what it can answer.
		return nil, untranslatable("mcp_servers", "MCP servers have no OpenAI counterpart")
	}
	if n := len(in.StopSequences); n > maxOpenAIStop {
		// Dropping some would let the answer run past where the client
		// asked it to stop; OpenAI refuses a longer stop list.
		return nil, untranslatable("stop_sequences", fmt.Sprintf("%d stop sequences; OpenAI's stop takes at most %d", n, maxOpenAIStop))
	}
	o.dropUnknown(top, anthropicRequestKey, wire.Anthropic, wire.OpenAI)

	out := oaRequest{Model: in.Model, Temperature: in.Temperature, TopP: in.TopP, Stream: in.Stream}
	if model != "" {
		out.Model = model
	}
	if !isNull(top["max_tokens"]) {
		out.MaxCompletionTokens = ptr(in.MaxTokens)
	}
	if in.Stream {
		out.StreamOptions = &oaStreamOptions{IncludeUsage: true}
	}
	if len(in.StopSequences) > 0 {
		out.Stop, _ = marshal(in.StopSequences)
	}
	if in.Metadata != nil {
		out.User = in.Metadata.UserID
	}
	if oc := in.OutputConfig; oc != nil && len(oc.Effort) > 0 {
		o.drop("output_config.effort", wire.Anthropic, wire.OpenAI)
	}
	if oc := in.OutputConfig; oc != nil && oc.Format != nil {
		if oc.Format.Type == "json_schema" && !isNull(oc.Format.Schema) {
			out.ResponseFormat = &oaResponseFormat{Type: "json_schema",
				JSONSchema: &oaJSONSchema{Name: responseFormatName, Schema: oc.Format.Schema}}
		} else {
			o.drop("output_config.format.type="+oc.Format.Type, wire.Anthropic, wire.OpenAI)
		}
	}
	for i, t := range in.Tools {
		if t.CacheControl != nil {
			o.drop("tools[].cache_control", wire.Anthropic, wire.OpenAI)
		}
		if t.Type != "" && t.Type != "custom" {
			// A server or Anthropic-defined tool (web search, bash, text
			// editor…) the model would not be offered changes what it can
			// answer: the target cannot take the request.
			return nil, untranslatable(fmt.Sprintf("tools[%d]", i), fmt.Sprintf("a %q tool has no OpenAI counterpart; offer custom tools with an input_schema", t.Type))
		}
		out.Tools = append(out.Tools, oaTool{Type: "function", Function: &oaFunctionDef{
			Name: t.Name, Description: t.Description, Parameters: t.InputSchema, Strict: t.Strict}})
	}
	if tc := in.ToolChoice; tc != nil && len(out.Tools) > 0 {
		switch tc.Type {
		case "auto":
			out.ToolChoice = json.RawMessage(`"auto"`)
		case "any":
			out.ToolChoice = json.RawMessage(`"required"`)
		case "none":
			out.ToolChoice = json.RawMessage(`"none"`)
		case "tool":
			var named oaNamedChoice
			named.Type, named.Function.Name = "function", tc.Name
			out.ToolChoice, _ = marshal(named)
		default:
			o.drop("tool_choice.type="+tc.Type, wire.Anthropic, wire.OpenAI)
		}
		if tc.DisableParallelToolUse {
			out.ParallelToolCalls = ptr(false)
		}
	}
	msgs, err := o.systemToOpenAI(in.System)
	if err != nil {
		return nil, err
	}
	for i, m := range in.Messages {
		msgs, err = o.messageToOpenAI(msgs, m, fmt.Sprintf("messages[%d]", i))
		if err != nil {
			return nil, err
		}
	}
	if msgs == nil {
		msgs = []oaMessage{} // "messages": [], never null
	}
	out.Messages = msgs
	return marshal(out)
}

// systemToOpenAI turns Anthropic's system (a string or text blocks) into
// system messages: one per text block. Other blocks are refused.
func (o Options) systemToOpenAI(raw json.RawMessage) ([]oaMessage, error) {
	if isNull(raw) {
		return nil, nil
	}
	if isString(raw) {
		return []oaMessage{{Role: "system", Content: raw}}, nil
	}
	blocks, err := decodeBlocks(raw, "system")
	if err != nil {
		return nil, err
	}
	msgs := make([]oaMessage, 0, len(blocks))
	for j, b := range blocks {
		o.dropCacheControl(b, "system[]")
		if b.Type != "text" {
			return nil, untranslatable(fmt.Sprintf("system[%d]", j),
				fmt.Sprintf("%q blocks in system have no OpenAI counterpart", b.Type))
		}
		c, _ := marshal(textOf(b.Text))
		msgs = append(msgs, oaMessage{Role: "system", Content: c})
	}
	return msgs, nil
}

// messageToOpenAI appends the OpenAI messages for one Anthropic turn: a
// user turn's tool_result blocks become tool messages (before the rest of
// the turn), an assistant turn's tool_use blocks become tool_calls. A user
// turn without blocks is invalid (Anthropic and OpenAI both refuse it), and
// a block without an OpenAI counterpart is refused.
func (o Options) messageToOpenAI(msgs []oaMessage, m anMessage, where string) ([]oaMessage, error) {
	if m.Role != "user" && m.Role != "assistant" {
		return nil, fmt.Errorf("%w: %s: unknown role %q", ErrInvalidRequest, where, m.Role)
	}
	if isNull(m.Content) || isString(m.Content) {
		c := m.Content
		if isNull(c) {
			c = json.RawMessage(`""`)
		}
		return append(msgs, oaMessage{Role: m.Role, Content: c}), nil
	}
	blocks, err := decodeBlocks(m.Content, where+".content")
	if err != nil {
		return nil, err
	}
	for _, b := range blocks {
		o.dropCacheControl(b, where+".content[]")
	}
	if m.Role == "assistant" {
		msg, err := o.assistantToOpenAI(blocks, where)
		if err != nil {
			return nil, err
		}
		return append(msgs, msg), nil
	}
	if len(blocks) == 0 {
		return nil, fmt.Errorf("%w: %s.content: a user message needs at least one block", ErrInvalidRequest, where)
	}
	var parts []oaPart
	for j, b := range blocks {
		at := fmt.Sprintf("%s.content[%d]", where, j)
		switch b.Type {
		case "tool_result":
			msg, err := o.toolResultToOpenAI(b, at)
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, msg)
		case "text":
			parts = append(parts, oaPart{Type: "text", Text: ptr(textOf(b.Text))})
		case "image":
			u, err := imageURL(b.Source, at)
			if err != nil {
				return nil, err
			}
			parts = append(parts, oaPart{Type: "image_url", ImageURL: &oaImageURL{URL: u}})
		case "document":
			p, err := o.documentToOpenAI(b, at)
			if err != nil {
				return nil, err
			}
			parts = append(parts, p)
		default:
			return nil, untranslatable(at, fmt.Sprintf("%q blocks in user messages have no OpenAI counterpart", b.Type))
		}
	}
	if len(parts) > 0 {
		c, err := marshal(parts)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, oaMessage{Role: "user", Content: c})
	}
	return msgs, nil
}

// assistantToOpenAI joins an assistant turn's text blocks into content and
// turns its tool_use blocks into tool_calls; thinking blocks are dropped,
// any other block (server tool calls and results…) is refused.
func (o Options) assistantToOpenAI(blocks []anBlock, where string) (oaMessage, error) {
	msg := oaMessage{Role: "assistant"}
	var text strings.Builder
	hasText := false
	for j, b := range blocks {
		switch b.Type {
		case "text":
			text.WriteString(textOf(b.Text))
			hasText = true
		case "tool_use":
			args := "{}"
			if isObject(b.Input) {
				a, _ := marshal(b.Input) // compact form
				args = string(a)
			}
			msg.ToolCalls = append(msg.ToolCalls, oaToolCall{ID: openAIToolID(b.ID), Type: "function",
				Function: oaFunctionCall{Name: b.Name, Arguments: args}})
		case "thinking", "redacted_thinking":
			o.drop(where+".content[].type="+b.Type, wire.Anthropic, wire.OpenAI)
		default:
			return oaMessage{}, untranslatable(fmt.Sprintf("%s.content[%d]", where, j),
				fmt.Sprintf("%q blocks in assistant messages have no OpenAI counterpart", b.Type))
		}
	}
	if hasText && text.Len() > 0 || len(msg.ToolCalls) == 0 {
		msg.Content, _ = marshal(text.String())
	}
	return msg, nil
}

// toolResultToOpenAI turns the tool_result block at where into a tool
// message whose content is a string or text parts. OpenAI tool messages
// carry only text: other blocks (images, documents…) are refused. They
// have no error flag either: a result with is_error set has its text
// marked as an error instead (see markToolError).
func (o Options) toolResultToOpenAI(b anBlock, where string) (oaMessage, error) {
	msg := oaMessage{Role: "tool", ToolCallID: openAIToolID(b.ToolUseID), Content: json.RawMessage(`""`)}
	var parts []oaPart
	switch {
	case isNull(b.Content):
	case isString(b.Content):
		msg.Content = b.Content
	default:
		inner, err := decodeBlocks(b.Content, where+".content")
		if err != nil {
			return oaMessage{}, err
		}
		for k, ib := range inner {
			if ib.Type != "text" {
				return oaMessage{}, untranslatable(fmt.Sprintf("%s.content[%d]", where, k),
					fmt.Sprintf("%q blocks in tool results have no OpenAI counterpart (OpenAI tool messages carry text only)", ib.Type))
			}
			parts = append(parts, oaPart{Type: "text", Text: ptr(textOf(ib.Text))})
		}
	}
	if b.IsError {
		return markToolError(msg, parts)
	}
	if len(parts) > 0 {
		msg.Content, _ = marshal(parts)
	}
	return msg, nil
}

// toolErrorMarker starts the content of a tool message translated from a
// tool result with is_error set, which OpenAI tool messages have no member
// for: the model reads that the tool failed.
const toolErrorMarker = "Error: "

// markToolError sets the content of msg, a tool message whose result is an
// error, to its text (string content in msg, or parts) after
// toolErrorMarker: the first text part gets the marker, and an empty text
// becomes "Error".
func markToolError(msg oaMessage, parts []oaPart) (oaMessage, error) {
	if len(parts) > 0 {
		parts[0].Text = ptr(markedError(textOf(parts[0].Text)))
		c, err := marshal(parts)
		msg.Content = c
		return msg, err
	}
	var s string
	if err := json.Unmarshal(msg.Content, &s); err != nil {
		return oaMessage{}, err
	}
	msg.Content, _ = marshal(markedError(s))
	return msg, nil
}

// markedError is the text of a failed tool's result s, marked.
func markedError(s string) string {
	if s == "" {
		return strings.TrimSuffix(toolErrorMarker, ": ")
	}
	return toolErrorMarker + s
}

// decodeBlocks reads the array of content blocks at where. A block of a
// type translated here must decode; a block of any other type, whose
// members may have other shapes, keeps only its type, to be refused by it.
func decodeBlocks(raw json.RawMessage, where string) ([]anBlock, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, fmt.Errorf("%w: %s: want a string or an array of blocks", ErrInvalidRequest, where)
	}
	blocks := make([]anBlock, len(elems))
	for j, e := range elems {
		if err := json.Unmarshal(e, &blocks[j]); err == nil {
			continue
		}
		var typed struct{ Type string }
		err := json.Unmarshal(e, &typed)
		switch typed.Type {
		case "text", "image", "document", "tool_use", "tool_result", "thinking", "redacted_thinking":
			err = errors.New("malformed " + typed.Type + " block")
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s[%d]: %v", ErrInvalidRequest, where, j, err)
		}
		blocks[j] = anBlock{Type: typed.Type}
	}
	return blocks, nil
}

// dropCacheControl reports a block's cache_control, which OpenAI requests
// cannot carry.
func (o Options) dropCacheControl(b anBlock, where string) {
	if b.CacheControl != nil {
		o.drop(where+".cache_control", wire.Anthropic, wire.OpenAI)
	}
}

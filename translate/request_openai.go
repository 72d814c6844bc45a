package translate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/lifelinehq/lifeline/internal/jsonscan"
	"github.com/lifelinehq/lifeline/wire"
)

// openAIRequestKey reports whether an OpenAI request member has an
// Anthropic counterpart; every other member is dropped.
func openAIRequestKey(k string) bool {
	switch k {
	case "model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p",
		"stop", "stream", "stream_options", "tools", "tool_choice", "parallel_tool_calls",
		"response_format", "user", "safety_identifier":
		return true
	}
	return false
}

// requestOpenAIToAnthropic builds an Anthropic Messages request from an
// OpenAI Chat Completions request.
func (o Options) requestOpenAIToAnthropic(body []byte, model string) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return nil, fmt.Errorf("%w: want a JSON object", ErrInvalidRequest)
	}
	var in oaRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	if isNull(top["messages"]) {
		return nil, fmt.Errorf("%w: missing messages", ErrInvalidRequest)
	}
	if err := refuseOpenAIOnly(top); err != nil {
		return nil, err
	}
	o.dropUnknown(top, openAIRequestKey, wire.OpenAI, wire.Anthropic)

	out := anRequest{Model: in.Model, Temperature: in.Temperature, TopP: in.TopP, Stream: in.Stream}
	if model != "" {
		out.Model = model
	}
	switch {
	case in.MaxCompletionTokens != nil:
		out.MaxTokens = *in.MaxCompletionTokens
	case in.MaxTokens != nil:
		out.MaxTokens = *in.MaxTokens
	default:
		out.MaxTokens = DefaultMaxTokens
	}
	if t := in.Temperature; t != nil && *t > 1 {
		out.Temperature = ptr(1.0) // Anthropic's range is 0–1
	}
	if out.Temperature != nil && out.TopP != nil {
		// Current Claude models refuse both ("`temperature` and `top_p`
		// cannot both be specified for this model"), which OpenAI allows.
		out.TopP = nil
		o.drop("top_p (with temperature)", wire.OpenAI, wire.Anthropic)
	}
	stop, err := o.stopList(in.Stop)
	if err != nil {
		return nil, err
	}
	out.StopSequences = stop
	if u := in.User; u != "" {
		out.Metadata = &anMetadata{UserID: u}
	} else if u := in.SafetyIdentifier; u != "" {
		out.Metadata = &anMetadata{UserID: u}
	}
	if rf := in.ResponseFormat; rf != nil {
		if rf.Type == "json_schema" && rf.JSONSchema != nil && !isNull(rf.JSONSchema.Schema) {
			out.OutputConfig = &anOutputConfig{Format: &anFormat{Type: "json_schema", Schema: rf.JSONSchema.Schema}}
		} else if rf.Type != "text" {
			o.drop("response_format."+rf.Type, wire.OpenAI, wire.Anthropic)
		}
	}
	for i, t := range in.Tools {
		if t.Type != "function" && t.Type != "" || t.Function == nil {
			// A tool the model would not be offered changes what it can
			// answer: the target cannot take the request.
			return nil, untranslatable(fmt.Sprintf("tools[%d]", i), fmt.Sprintf("a %q tool has no Anthropic counterpart; offer function tools", t.Type))
		}
		out.Tools = append(out.Tools, anTool{Name: t.Function.Name, Description: t.Function.Description,
			InputSchema: objectSchema(t.Function.Parameters), Strict: t.Function.Strict})
	}
	if len(out.Tools) == 0 && !isNull(in.ToolChoice) {
		o.drop("tool_choice (no tools)", wire.OpenAI, wire.Anthropic)
	}
	if len(out.Tools) > 0 {
		tc, err := o.toolChoiceToAnthropic(in.ToolChoice, in.ParallelToolCalls)
		if err != nil {
			return nil, err
		}
		out.ToolChoice = tc
	}
	system, msgs, err := o.messagesToAnthropic(in.Messages)
	if err != nil {
		return nil, err
	}
	out.System, out.Messages = system, msgs
	return marshal(out)
}

// objectSchema is the Anthropic input_schema of a function whose OpenAI
// parameters are raw: Anthropic refuses a schema without "type": "object"
// at its root, which OpenAI takes (parameters {} or left out declare a
// function without parameters), so an object schema that lacks the member
// gets it and no schema becomes one without properties.
func objectSchema(raw json.RawMessage) json.RawMessage {
	b := bytes.TrimSpace(raw)
	switch {
	case isNull(raw) || isObject(b) && len(bytes.TrimSpace(b[1:len(b)-1])) == 0:
		return json.RawMessage(`{"type":"object","properties":{}}`)
	case isObject(b) && jsonscan.Member(b, "type") == nil:
		return append([]byte(`{"type":"object",`), b[1:]...)
	}
	return raw
}

// dropUnknown reports every top-level member that is not in known.
func (o Options) dropUnknown(top map[string]json.RawMessage, known func(string) bool, from, to wire.Dialect) {
	if o.Log == nil {
		return
	}
	var names []string
	for k := range top {
		if !known(k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		o.drop(k, from, to)
	}
}

// stopList reads OpenAI's stop: a string, an array of strings, or null.
// Sequences that are empty or only whitespace, which Anthropic refuses
// ("each stop sequence must contain non-whitespace"), are dropped.
func (o Options) stopList(raw json.RawMessage) ([]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var many []string
	var one string
	if json.Unmarshal(raw, &one) == nil {
		many = []string{one}
	} else if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("%w: stop: want a string or an array of strings", ErrInvalidRequest)
	}
	kept := many[:0]
	for _, s := range many {
		if strings.TrimSpace(s) == "" {
			if s != "" {
				o.drop("stop: whitespace-only sequence", wire.OpenAI, wire.Anthropic)
			}
			continue
		}
		kept = append(kept, s)
	}
	if len(kept) == 0 {
		return nil, nil
	}
	return kept, nil
}

// toolChoiceToAnthropic maps "auto" | "required" | "none" | a named
// function, and parallel_tool_calls:false, to Anthropic's tool_choice.
func (o Options) toolChoiceToAnthropic(raw json.RawMessage, parallel *bool) (*anToolChoice, error) {
	var tc anToolChoice
	var mode string
	switch {
	case isNull(raw):
		if parallel == nil || *parallel {
			return nil, nil
		}
		tc.Type = "auto"
	case json.Unmarshal(raw, &mode) == nil:
		switch mode {
		case "auto":
			tc.Type = "auto"
		case "required":
			tc.Type = "any"
		case "none":
			tc.Type = "none"
		default:
			return nil, fmt.Errorf("%w: tool_choice %q", ErrInvalidRequest, mode)
		}
	default:
		var named oaNamedChoice
		err := json.Unmarshal(raw, &named)
		if err == nil && named.Type != "" && named.Type != "function" {
			// allowed_tools, custom: valid OpenAI, with no Anthropic counterpart.
			return nil, untranslatable("tool_choice", fmt.Sprintf("a %q tool_choice has no Anthropic counterpart", named.Type))
		}
		if err != nil || named.Function.Name == "" {
			return nil, fmt.Errorf("%w: tool_choice: want a mode or a named function", ErrInvalidRequest)
		}
		tc.Type, tc.Name = "tool", named.Function.Name
	}
	if parallel != nil && !*parallel && tc.Type != "none" {
		tc.DisableParallelToolUse = true
	}
	return &tc, nil
}

// messagesToAnthropic hoists system and developer messages into the
// top-level system and turns the rest into Anthropic turns: tool messages
// become tool_result blocks, consecutive ones grouped into one user turn.
func (o Options) messagesToAnthropic(in []oaMessage) (json.RawMessage, []anMessage, error) {
	var system []anBlock
	systemParts := 0 // system messages or parts seen
	out := make([]anMessage, 0, len(in))
	var results []anBlock // pending tool_result blocks
	flush := func() error {
		if len(results) == 0 {
			return nil
		}
		c, err := marshal(results)
		out = append(out, anMessage{Role: "user", Content: c})
		results = nil
		return err
	}
	for i, m := range in {
		where := fmt.Sprintf("messages[%d]", i)
		if m.Name != "" {
			o.drop(where+".name", wire.OpenAI, wire.Anthropic)
		}
		if m.Role != "tool" {
			if err := flush(); err != nil {
				return nil, nil, err
			}
		}
		switch m.Role {
		case "system", "developer":
			texts, err := textOnlyParts(m.Content, where, m.Role)
			if err != nil {
				return nil, nil, err
			}
			if blank(texts) {
				o.drop(where+": "+m.Role+" message without text", wire.OpenAI, wire.Anthropic)
				continue
			}
			for _, t := range texts {
				systemParts++
				if t != "" {
					system = append(system, anBlock{Type: "text", Text: ptr(t)})
				}
			}
		case "user":
			c, err := o.userContentToAnthropic(m.Content, where)
			if err != nil {
				return nil, nil, err
			}
			if (string(c) == `""` || string(c) == "[]") && i < len(in)-1 {
				// Anthropic refuses a user message without content (or
				// with whitespace only) anywhere but last, where the
				// provider's refusal speaks for it.
				o.drop(where+": user message without content", wire.OpenAI, wire.Anthropic)
				continue
			}
			out = append(out, anMessage{Role: "user", Content: c})
		case "assistant":
			c, err := o.assistantToAnthropic(m, where)
			if err != nil {
				return nil, nil, err
			}
			if (string(c) == `""` || string(c) == "[]") && i < len(in)-1 {
				// Anthropic refuses an empty message anywhere but last; one
				// that said nothing changes nothing when left out.
				o.drop(where+": empty assistant message", wire.OpenAI, wire.Anthropic)
				continue
			}
			out = append(out, anMessage{Role: "assistant", Content: c})
		case "tool":
			b := anBlock{Type: "tool_result", ToolUseID: anthropicToolID(m.ToolCallID)}
			texts, err := textOnlyParts(m.Content, where, m.Role)
			if err != nil {
				return nil, nil, err
			}
			if blank(texts) {
				// A result of whitespace only, which Anthropic refuses as
				// text, is a result without content.
			} else if isString(m.Content) {
				b.Content, _ = marshal(texts[0])
			} else {
				blocks := make([]anBlock, 0, len(texts))
				for _, t := range texts {
					if t != "" { // Anthropic refuses empty text blocks
						blocks = append(blocks, anBlock{Type: "text", Text: ptr(t)})
					}
				}
				if len(blocks) > 0 {
					b.Content, _ = marshal(blocks)
				}
			}
			results = append(results, b)
		case "function":
			return nil, nil, untranslatable(where, `role "function" (a deprecated function result) has no Anthropic counterpart; send tool messages`)
		default:
			return nil, nil, fmt.Errorf("%w: %s: unknown role %q", ErrInvalidRequest, where, m.Role)
		}
	}
	if err := flush(); err != nil {
		return nil, nil, err
	}
	var sys json.RawMessage
	switch {
	case len(system) == 1 && systemParts == 1:
		sys, _ = marshal(*system[0].Text)
	case len(system) > 0:
		sys, _ = marshal(system)
	}
	return sys, out, nil
}

// blank reports whether texts hold nothing but whitespace: Anthropic refuses
// a turn whose text blocks are all empty or whitespace ("text content blocks
// must contain non-whitespace text"), which OpenAI takes, and such text
// tells the model nothing.
func blank(texts []string) bool {
	for _, t := range texts {
		if strings.TrimSpace(t) != "" {
			return false
		}
	}
	return true
}

// textOnlyParts reads the content of a role whose messages hold only text: a
// string or an array of text (and refusal) parts. A string yields one
// element; any other part is refused.
func textOnlyParts(raw json.RawMessage, where, role string) ([]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}, nil
	}
	var parts []oaPart
	if err := json.Unmarshal(raw, &parts); err != nil {
		return nil, fmt.Errorf("%w: %s.content: want a string or an array of parts", ErrInvalidRequest, where)
	}
	texts := make([]string, 0, len(parts))
	for j, p := range parts {
		switch p.Type {
		case "text":
			texts = append(texts, textOf(p.Text))
		case "refusal":
			texts = append(texts, textOf(p.Refusal))
		default:
			return nil, untranslatable(fmt.Sprintf("%s.content[%d]", where, j),
				fmt.Sprintf("%q parts in %s messages have no Anthropic counterpart", p.Type, role))
		}
	}
	return texts, nil
}

// userContentToAnthropic keeps a string as a string and turns parts into
// blocks: text, images given as base64 data URLs or as URLs, and PDF files
// given as base64 data URLs. Any other part is refused.
func (o Options) userContentToAnthropic(raw json.RawMessage, where string) (json.RawMessage, error) {
	if isNull(raw) {
		return json.RawMessage(`""`), nil
	}
	if isString(raw) {
		if blankString(raw) {
			return json.RawMessage(`""`), nil
		}
		return raw, nil
	}
	var parts []oaPart
	if err := json.Unmarshal(raw, &parts); err != nil {
		return nil, fmt.Errorf("%w: %s.content: want a string or an array of parts", ErrInvalidRequest, where)
	}
	var texts []string
	for _, p := range parts {
		if p.Type == "text" {
			texts = append(texts, textOf(p.Text))
		}
	}
	noText := blank(texts)
	blocks := make([]anBlock, 0, len(parts))
	for j, p := range parts {
		at := fmt.Sprintf("%s.content[%d]", where, j)
		switch p.Type {
		case "text":
			if t := textOf(p.Text); t == "" || noText { // Anthropic refuses them
				o.drop(where+".content[]: empty or whitespace-only text", wire.OpenAI, wire.Anthropic)
				continue
			}
			blocks = append(blocks, anBlock{Type: "text", Text: p.Text})
		case "image_url":
			if p.ImageURL == nil {
				return nil, fmt.Errorf("%w: %s: image_url without url", ErrInvalidRequest, at)
			}
			if d := p.ImageURL.Detail; d != "" && d != "auto" {
				o.drop(where+".content[].image_url.detail", wire.OpenAI, wire.Anthropic)
			}
			src, ok := imageSource(p.ImageURL.URL)
			if !ok {
				return nil, untranslatable(at, "image_url parts have an Anthropic counterpart only for a URL or a base64 data URL")
			}
			blocks = append(blocks, anBlock{Type: "image", Source: src})
		case "file":
			b, err := fileToAnthropic(p.File, at)
			if err != nil {
				return nil, err
			}
			blocks = append(blocks, b)
		default:
			return nil, untranslatable(at, fmt.Sprintf("%q parts have no Anthropic counterpart", p.Type))
		}
	}
	return marshal(blocks)
}

// assistantToAnthropic turns an assistant message into a string (text only)
// or blocks: text, the refusal as text, then one tool_use per tool call with
// the arguments parsed into an object ({} when they are not a JSON object).
// A deprecated function_call and an audio reference are refused.
func (o Options) assistantToAnthropic(m oaMessage, where string) (json.RawMessage, error) {
	if !isNull(m.FunctionCall) {
		return nil, untranslatable(where+".function_call", "function_call (deprecated) has no Anthropic counterpart; send tool_calls")
	}
	if !isNull(m.Audio) {
		return nil, untranslatable(where+".audio", "a reference to an earlier audio answer has no Anthropic counterpart")
	}
	refusal := textOf(m.Refusal)
	if len(m.ToolCalls) == 0 && refusal == "" && isString(m.Content) {
		if blankString(m.Content) {
			return json.RawMessage(`""`), nil // a message that said nothing
		}
		return m.Content, nil
	}
	texts, err := textOnlyParts(m.Content, where, m.Role)
	if err != nil {
		return nil, err
	}
	texts = append(texts, refusal)
	if blank(texts) {
		texts = nil // whitespace beside tool calls
	}
	blocks := make([]anBlock, 0, len(texts)+len(m.ToolCalls))
	for _, t := range texts {
		if t != "" {
			blocks = append(blocks, anBlock{Type: "text", Text: ptr(t)})
		}
	}
	for _, tc := range m.ToolCalls {
		blocks = append(blocks, anBlock{Type: "tool_use", ID: anthropicToolID(tc.ID), Name: tc.Function.Name,
			Input: argumentsObject(tc.Function.Arguments)})
	}
	return marshal(blocks)
}

// argumentsObject parses an OpenAI arguments string into a JSON object,
// or {} when it is not one.
func argumentsObject(args string) json.RawMessage {
	b := []byte(strings.TrimSpace(args))
	if isObject(b) && json.Valid(b) {
		return b
	}
	return json.RawMessage(`{}`)
}

// refuseOpenAIOnly returns an error for request members whose loss would
// change the answer itself, not only how it is produced: functions the
// model would not be offered, several choices (n), audio output.
func refuseOpenAIOnly(top map[string]json.RawMessage) error {
	if v := top["functions"]; !isNull(v) && string(v) != "[]" {
		return untranslatable("functions", "functions (deprecated) have no Anthropic counterpart; offer tools")
	}
	if v := top["web_search_options"]; !isNull(v) {
		return untranslatable("web_search_options", "OpenAI's web search has no Anthropic counterpart in a translated request")
	}
	if v := top["n"]; !isNull(v) {
		var n float64
		if json.Unmarshal(v, &n) == nil && n > 1 {
			return untranslatable("n", "several choices (n > 1) have no Anthropic counterpart")
		}
	}
	if v := top["audio"]; !isNull(v) {
		return untranslatable("audio", "audio output has no Anthropic counterpart")
	}
	var modalities []string
	if json.Unmarshal(top["modalities"], &modalities) == nil && slices.Contains(modalities, "audio") {
		return untranslatable("modalities", "audio output has no Anthropic counterpart")
	}
	return nil
}

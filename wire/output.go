package wire

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/lifelinehq/lifeline/internal/jsonscan"
)

// Output is a model's answer in dialect-neutral form: what validators check.
type Output struct {
	Text         string     // the concatenated text content
	ToolCalls    []ToolCall // tool calls, in order
	FinishReason string     // finish_reason / stop_reason as the dialect said it
	Truncated    bool       // the model stopped at its token limit
	// Other reports output that is neither text nor a tool call: an OpenAI
	// refusal or audio; Anthropic content blocks other than text, tool_use
	// and thinking (server-tool calls and their results, types added
	// later). An answer with Other is not empty; thinking alone is.
	Other bool
}

// ToolCall is one call of a tool offered in the request.
type ToolCall struct {
	ID        string
	Name      string
	Arguments []byte // JSON text: a string in OpenAI, an object in Anthropic; free-form input for an OpenAI custom tool
}

// ErrNoChoices is returned for an OpenAI response without choices.
var ErrNoChoices = errors.New("response has no choices")

// ParseOutput reads a non-streaming 2xx response body of dialect d. For an
// OpenAI response with several choices (n > 1) it is the first choice's
// output; ParseOutputs returns every choice's.
func ParseOutput(d Dialect, body []byte) (Output, error) {
	if d == Anthropic {
		return parseAnthropic(body)
	}
	choices, err := openAIChoices(body)
	if err != nil {
		return Output{}, err
	}
	var o Output
	choices[0].output(&o)
	return o, nil
}

// ParseOutputs reads a non-streaming 2xx response body of dialect d into
// one Output per choice, in the order the body lists them (OpenAI lists
// choices by index). An Anthropic response has one output.
func ParseOutputs(d Dialect, body []byte) ([]Output, error) {
	if d == Anthropic {
		o, err := parseAnthropic(body)
		if err != nil {
			return nil, err
		}
		return []Output{o}, nil
	}
	choices, err := openAIChoices(body)
	if err != nil {
		return nil, err
	}
	outs := make([]Output, len(choices))
	for i := range choices {
		choices[i].output(&outs[i])
	}
	return outs, nil
}

func parseAnthropic(body []byte) (Output, error) {
	var m struct {
		Content []struct {
			Type  string          `json:"type"`
			Text  string          `json:"text"`
			ID    string          `json:"id"`
			Name  string          `json:"name"`
			Input json.RawMessage `json:"input"`
		} `json:"content"`
		StopReason string `json:"stop_reason"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return Output{}, err
	}
	var o Output
	var text strings.Builder
	for _, c := range m.Content {
		switch c.Type {
		case "text":
			text.WriteString(c.Text)
		case "tool_use":
			o.ToolCalls = append(o.ToolCalls, ToolCall{ID: c.ID, Name: c.Name, Arguments: c.Input})
		default:
			o.Other = o.Other || otherBlock(c.Type)
		}
	}
	o.Text = text.String()
	o.FinishReason = m.StopReason
	o.Truncated = truncated(m.StopReason)
	return o, nil
}

// openAIChoice is one choice of an OpenAI chat completion.
type openAIChoice struct {
	Message struct {
		Content   *string         `json:"content"`
		Refusal   *string         `json:"refusal"`
		Audio     json.RawMessage `json:"audio"`
		ToolCalls []struct {
			ID       string `json:"id"`
			Function struct {
				Name      string `json:"name"`
				Arguments string `json:"arguments"`
			} `json:"function"`
			Custom *struct { // a custom tool's call: free-form input
				Name  string `json:"name"`
				Input string `json:"input"`
			} `json:"custom"`
		} `json:"tool_calls"`
		FunctionCall *struct { // the legacy form, for requests with "functions"
			Name      string `json:"name"`
			Arguments string `json:"arguments"`
		} `json:"function_call"`
	} `json:"message"`
	FinishReason string `json:"finish_reason"`
}

// openAIChoices decodes an OpenAI response's choices: at least one.
func openAIChoices(body []byte) ([]openAIChoice, error) {
	var c struct {
		Choices []openAIChoice `json:"choices"`
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, err
	}
	if len(c.Choices) == 0 {
		return nil, ErrNoChoices
	}
	return c.Choices, nil
}

// output writes the choice's output to o.
func (ch *openAIChoice) output(o *Output) {
	if ch.Message.Content != nil {
		o.Text = *ch.Message.Content
	}
	for _, t := range ch.Message.ToolCalls {
		if t.Custom != nil {
			o.ToolCalls = append(o.ToolCalls, ToolCall{ID: t.ID, Name: t.Custom.Name, Arguments: []byte(t.Custom.Input)})
			continue
		}
		o.ToolCalls = append(o.ToolCalls, ToolCall{ID: t.ID, Name: t.Function.Name, Arguments: []byte(t.Function.Arguments)})
	}
	if fc := ch.Message.FunctionCall; fc != nil {
		o.ToolCalls = append(o.ToolCalls, ToolCall{Name: fc.Name, Arguments: []byte(fc.Arguments)})
	}
	o.Other = ch.Message.Refusal != nil && *ch.Message.Refusal != "" || jsonscan.NonEmpty(ch.Message.Audio)
	o.FinishReason = ch.FinishReason
	o.Truncated = truncated(ch.FinishReason)
}

// otherBlock reports whether an Anthropic content block of type typ,
// other than text and tool_use, is output of its own (see Output.Other):
// anything but thinking.
func otherBlock(typ string) bool {
	switch typ {
	case "thinking", "redacted_thinking":
		return false
	}
	return true
}

func truncated(reason string) bool {
	switch reason {
	case "length", "max_tokens", "model_context_window_exceeded":
		return true
	}
	return false
}

package wire

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/lifelinehq/lifeline/internal/jsonscan"
	"github.com/lifelinehq/lifeline/sse"
)

// Kind says what a stream event means to the engine.
type Kind uint8

// Event kinds.
const (
	// KindOther is an event with no special meaning (content_block_stop,
	// message_delta, a finish or usage chunk, unknown events).
	KindOther Kind = iota
	// KindOpening carries no model output: Anthropic message_start,
	// content_block_start and ping; an OpenAI chunk whose delta has only a
	// role. The engine holds these until the first content event.
	KindOpening
	// KindContent carries model output: Anthropic content_block_delta; an
	// OpenAI chunk with content, refusal or tool-call deltas.
	KindContent
	// KindError is an error inside the stream: Anthropic "event: error";
	// an OpenAI data line whose JSON has an "error" member.
	KindError
	// KindDone is the terminal event: Anthropic message_stop; OpenAI
	// "data: [DONE]".
	KindDone
)

// EventKind classifies one event of a dialect-d stream without decoding it.
func EventKind(d Dialect, ev sse.Event) Kind {
	if d == Anthropic {
		name := ev.Name
		if len(name) == 0 && jsonscan.Valid(ev.Data) {
			// Tolerate servers that send only data: the type is inside.
			name = jsonscan.Member(ev.Data, "type")
			if len(name) >= 2 {
				name = name[1 : len(name)-1]
			}
		}
		switch string(name) {
		case "content_block_delta":
			return KindContent
		case "message_start", "content_block_start", "ping":
			return KindOpening
		case "message_stop":
			return KindDone
		case "error":
			return KindError
		}
		return KindOther
	}
	if IsDone(ev.Data) {
		return KindDone
	}
	// Chunks are not validated here (that would cost more than the rest of
	// the gateway's per-event work); the scan is safe on malformed input.
	if e := jsonscan.Member(ev.Data, "error"); len(e) > 0 && e[0] != 'n' {
		return KindError
	}
	kind := KindOther
	jsonscan.Elements(jsonscan.Member(ev.Data, "choices"), func(ch []byte) bool {
		// Any delta member but the role is model output when it holds
		// something: content, refusal and tool calls, and also audio, the
		// reasoning of compatible servers (reasoning_content, reasoning) and
		// members added later, so that a stream whose output starts there
		// is not held back to a first-token timeout.
		role, output := false, false
		jsonscan.Members(jsonscan.Member(ch, "delta"), func(k, v []byte) bool {
			if string(k) == "role" {
				role = true
				return true
			}
			output = jsonscan.NonEmpty(v)
			return !output
		})
		if output {
			kind = KindContent
			return false
		}
		if role && !jsonscan.NonEmpty(jsonscan.Member(ch, "finish_reason")) {
			kind = KindOpening
		}
		return true
	})
	return kind
}

// IsDone reports whether data, an OpenAI event's data, ends the stream: it
// starts with [DONE], as the official SDKs (openai-go, openai-python) take
// it, so "[DONE] " from a compatible server ends the stream as it does for
// them.
func IsDone(data []byte) bool { return bytes.HasPrefix(data, []byte("[DONE]")) }

// WholeTerminal reports whether ev, an event the end of the stream cut off
// before the blank line that closes it (sse.Reader's io.ErrUnexpectedEOF),
// is nonetheless the dialect's whole terminal event: OpenAI's data: [DONE],
// or an Anthropic message_stop whose data is complete JSON. Some servers
// and proxies end a stream right after that last field; the answer is
// complete. A terminal event cut inside its data, or an Anthropic
// message_stop without its data line, is not whole.
func WholeTerminal(d Dialect, ev sse.Event) bool {
	return EventKind(d, ev) == KindDone && (d != Anthropic || jsonscan.Valid(ev.Data))
}

// Accumulator rebuilds a stream's Output from its events, for validation at
// the end of the stream. An OpenAI stream with several choices (n > 1)
// carries each choice's deltas under its own index; the Accumulator keeps
// each choice apart. The zero value is not usable; see NewAccumulator.
type Accumulator struct {
	d     Dialect
	first choice          // choice 0; an Anthropic stream's only output
	more  map[int]*choice // OpenAI choices 1 and up by index; nil until one streams
	held  int64           // bytes of text and tool-call arguments kept
}

// choice is the output of one choice so far.
type choice struct {
	text   strings.Builder
	calls  []ToolCall
	index  map[int]int // stream index → position in calls
	reason string
	other  bool // see Output.Other
}

// NewAccumulator returns an Accumulator for a dialect-d stream.
func NewAccumulator(d Dialect) *Accumulator {
	return &Accumulator{d: d, first: choice{index: map[int]int{}}}
}

// choiceAt returns the state of the choice at stream index i.
func (a *Accumulator) choiceAt(i int) *choice {
	if i == 0 {
		return &a.first
	}
	c := a.more[i]
	if c == nil {
		if a.more == nil {
			a.more = map[int]*choice{}
		}
		c = &choice{index: map[int]int{}}
		a.more[i] = c
	}
	return c
}

// Add folds one event into the output. Events it cannot read are ignored.
func (a *Accumulator) Add(ev sse.Event) {
	if a.d == Anthropic {
		a.addAnthropic(ev)
		return
	}
	if len(ev.Data) == 0 || ev.Data[0] != '{' {
		return
	}
	var c struct {
		Choices []struct {
			Index int `json:"index"`
			Delta struct {
				Content   string          `json:"content"`
				Refusal   string          `json:"refusal"`
				Audio     json.RawMessage `json:"audio"`
				ToolCalls []struct {
					Index    int    `json:"index"`
					ID       string `json:"id"`
					Function struct {
						Name      string `json:"name"`
						Arguments string `json:"arguments"`
					} `json:"function"`
				} `json:"tool_calls"`
				FunctionCall *struct { // the legacy form, for requests with "functions"
					Name      string `json:"name"`
					Arguments string `json:"arguments"`
				} `json:"function_call"`
			} `json:"delta"`
			FinishReason *string `json:"finish_reason"`
		} `json:"choices"`
	}
	if json.Unmarshal(ev.Data, &c) != nil {
		return
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		if ch.Index < 0 {
			continue // no choice has a negative index
		}
		st := a.choiceAt(ch.Index)
		st.text.WriteString(ch.Delta.Content)
		a.held += int64(len(ch.Delta.Content))
		st.other = st.other || ch.Delta.Refusal != "" || jsonscan.NonEmpty(ch.Delta.Audio)
		for _, t := range ch.Delta.ToolCalls {
			st.addCall(t.Index, t.ID, t.Function.Name, t.Function.Arguments)
			a.held += int64(len(t.ID) + len(t.Function.Name) + len(t.Function.Arguments))
		}
		if fc := ch.Delta.FunctionCall; fc != nil {
			st.addCall(legacyCall, "", fc.Name, fc.Arguments)
			a.held += int64(len(fc.Name) + len(fc.Arguments))
		}
		if ch.FinishReason != nil && *ch.FinishReason != "" {
			st.reason = *ch.FinishReason
		}
	}
}

// legacyCall is the stream index of an OpenAI legacy function_call, which
// has none: tool-call indexes are never negative.
const legacyCall = -1

// addCall folds one OpenAI tool-call fragment into the call at stream
// index i; id and name come with the first fragment only. A new id at an
// index starts a new call: some servers (Ollama) send every call under
// one index.
func (c *choice) addCall(i int, id, name, args string) {
	p, ok := c.index[i]
	if !ok || id != "" && c.calls[p].ID != "" && c.calls[p].ID != id {
		p = len(c.calls)
		c.index[i] = p
		c.calls = append(c.calls, ToolCall{})
	}
	tc := &c.calls[p]
	if id != "" {
		tc.ID = id
	}
	if name != "" {
		tc.Name = name
	}
	tc.Arguments = append(tc.Arguments, args...)
}

func (a *Accumulator) addAnthropic(ev sse.Event) {
	var e struct {
		Type         string `json:"type"`
		Index        int    `json:"index"`
		ContentBlock struct {
			Type string `json:"type"`
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"content_block"`
		Delta struct {
			Type        string `json:"type"`
			Text        string `json:"text"`
			PartialJSON string `json:"partial_json"`
			StopReason  string `json:"stop_reason"`
		} `json:"delta"`
	}
	if json.Unmarshal(ev.Data, &e) != nil {
		return
	}
	c := &a.first
	switch e.Type {
	case "content_block_start":
		switch e.ContentBlock.Type {
		case "tool_use":
			c.index[e.Index] = len(c.calls)
			c.calls = append(c.calls, ToolCall{ID: e.ContentBlock.ID, Name: e.ContentBlock.Name})
			a.held += int64(len(e.ContentBlock.ID) + len(e.ContentBlock.Name))
		case "text":
		default:
			c.other = c.other || otherBlock(e.ContentBlock.Type)
		}
	case "content_block_delta":
		switch e.Delta.Type {
		case "text_delta":
			c.text.WriteString(e.Delta.Text)
			a.held += int64(len(e.Delta.Text))
		case "input_json_delta":
			if p, ok := c.index[e.Index]; ok {
				c.calls[p].Arguments = append(c.calls[p].Arguments, e.Delta.PartialJSON...)
				a.held += int64(len(e.Delta.PartialJSON))
			}
		}
	case "message_delta":
		if e.Delta.StopReason != "" {
			c.reason = e.Delta.StopReason
		}
	}
}

// Held returns the bytes of text, tool-call ids, names and arguments the
// Accumulator keeps: what a caller bounds to bound its memory.
func (a *Accumulator) Held() int64 { return a.held }

// Output returns what the stream said so far: choice 0's, for an OpenAI
// stream with several choices. A tool call that received no argument
// fragments has the arguments "{}".
func (a *Accumulator) Output() Output {
	return a.first.output()
}

// Outputs returns what the stream said so far, one Output per choice in
// index order: choice 0 first (even if it sent nothing), then every other
// choice that streamed a delta. An Anthropic stream has one output.
func (a *Accumulator) Outputs() []Output {
	if len(a.more) == 0 {
		return []Output{a.first.output()}
	}
	idx := make([]int, 0, len(a.more))
	for i := range a.more {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	outs := make([]Output, 1, 1+len(idx))
	outs[0] = a.first.output()
	for _, i := range idx {
		outs = append(outs, a.more[i].output())
	}
	return outs
}

func (c *choice) output() Output {
	o := Output{Text: c.text.String(), FinishReason: c.reason, Truncated: truncated(c.reason), Other: c.other}
	for _, tc := range c.calls {
		if len(tc.Arguments) == 0 {
			tc.Arguments = []byte("{}")
		}
		o.ToolCalls = append(o.ToolCalls, tc)
	}
	return o
}

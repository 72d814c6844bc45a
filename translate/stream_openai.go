package translate

import (
	"bytes"
	"slices"
	"strconv"

	"github.com/lifelinehq/lifeline/internal/jsonscan"
	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
)

// fromOpenAI translates one OpenAI chunk into Anthropic events:
//
//	first chunk            → message_start (usage zero: OpenAI reports it at the end)
//	delta.content/refusal  → content_block_start text (when no text block is
//	                         open), content_block_delta text_delta; a refusal
//	                         that ends with finish_reason stop ends as refusal
//	new tool_calls[k], or  → content_block_stop of the open block,
//	a new id at the open k   content_block_start tool_use {id, name, input:{}}
//	arguments fragment     → content_block_delta input_json_delta
//	finish_reason          → content_block_stop, then the held tool calls;
//	                         the stop reason is held
//	usage (after finish)   → message_delta {stop_reason, usage}
//	[DONE]                 → message_delta if still due, message_stop
//	{"error":…}            → event: error, and the stream ends
//
// Only choice 0 is translated. A tool call's block streams live while it is
// the only call under way; a call that begins while another call's block
// is open is held back whole and sent after it, at the finish, since
// Anthropic blocks cannot interleave and OpenAI-compatible servers may
// interleave the fragments of several calls. A fragment for a call whose
// block text already closed cannot be placed: ErrToolCallFragments.
func (s *Stream) fromOpenAI(dst []byte, ev sse.Event) ([]byte, error) {
	data := ev.Data
	if len(data) == 0 {
		return dst, nil
	}
	if wire.IsDone(data) {
		return s.end(dst), nil
	}
	if !jsonscan.Valid(data) {
		return dst, ErrMalformedEvent
	}
	var id, model, choices, usage, errv []byte
	jsonscan.Members(data, func(k, v []byte) bool {
		switch string(k) {
		case "id":
			id = v
		case "model":
			model = v
		case "choices":
			choices = v
		case "usage":
			usage = v
		case "error":
			errv = v
		}
		return true
	})
	if errv != nil && string(errv) != "null" {
		u := streamError(data)
		s.done = true
		return append(dst, wire.StreamErrorEvent(wire.Anthropic, anthropicError(u, 0), "", u.Message)...), nil
	}
	if !s.started && !nonEmptyString(id) && !jsonscan.NonEmpty(choices) && !isObject(usage) {
		// Azure OpenAI's first chunk carries only prompt_filter_results,
		// with an empty id and model: the message starts with the next.
		return dst, nil
	}
	if !s.started {
		dst = s.messageStart(dst, id, model)
	}
	var delta, finish []byte
	found := false
	jsonscan.Elements(choices, func(c []byte) bool {
		var index []byte
		delta, finish, index = nil, nil, nil
		jsonscan.Members(c, func(k, v []byte) bool {
			switch string(k) {
			case "index":
				index = v
			case "delta":
				delta = v
			case "finish_reason":
				finish = v
			}
			return true
		})
		found = index == nil || string(index) == "0"
		return !found
	})
	if found {
		var content, refusal, calls []byte
		jsonscan.Members(delta, func(k, v []byte) bool {
			switch string(k) {
			case "content":
				content = v
			case "refusal":
				refusal = v
			case "tool_calls":
				calls = v
			}
			return true
		})
		if nonEmptyString(content) {
			dst = s.text(dst, content)
		}
		if nonEmptyString(refusal) {
			s.refused = true
			dst = s.text(dst, refusal)
		}
		var err error
		jsonscan.Elements(calls, func(tc []byte) bool {
			dst, err = s.toolDelta(dst, tc)
			return err == nil
		})
		if err != nil {
			return dst, err
		}
		if r := strContent(finish); r != nil {
			dst = s.flushBlank(dst)
			dst = s.closeBlock(dst)
			dst = s.flushHeld(dst)
			s.stop = stopReason(string(r))
			if s.refused && s.stop == "end_turn" {
				s.stop = "refusal"
			}
		}
	}
	if u := usage; isObject(u) {
		s.haveUsage = true
		s.usage.OutputTokens = count(jsonscan.Member(u, "completion_tokens"))
		d := jsonscan.Member(u, "prompt_tokens_details")
		s.usage.CacheReadInputTokens = count(jsonscan.Member(d, "cached_tokens"))
		s.usage.CacheCreationInputTokens = count(jsonscan.Member(d, "cache_write_tokens"))
		s.usage.InputTokens = max(count(jsonscan.Member(u, "prompt_tokens"))-
			s.usage.CacheReadInputTokens-s.usage.CacheCreationInputTokens, 0)
	}
	if s.stop != "" && s.haveUsage {
		dst = s.messageDelta(dst)
	}
	return dst, nil
}

// emit appends one Anthropic event named after its type.
func (s *Stream) emit(dst []byte, name string) []byte {
	return sse.AppendEvent(dst, name, s.buf)
}

func (s *Stream) messageStart(dst, id, model []byte) []byte {
	if s.started {
		return dst
	}
	s.started = true
	s.id = append(s.id[:0], rawString(id, `"msg_lifeline"`)...)
	if string(s.id) == `""` {
		s.id = append(s.id[:0], `"msg_lifeline"`...)
	}
	s.model = append(s.model[:0], rawString(model, `""`)...)
	b := append(s.buf[:0], `{"type":"message_start","message":{"id":`...)
	b = append(b, s.id...)
	b = append(b, `,"type":"message","role":"assistant","content":[],"model":`...)
	b = append(b, s.model...)
	s.buf = append(b, `,"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}`...)
	return s.emit(dst, "message_start")
}

// text emits a text delta (a raw JSON string), opening a text block first
// when none is open. Whitespace that would open a text block is held back
// (see flushBlank): the "\n\n" OpenAI-compatible models send before their
// tool calls would make a text block Anthropic refuses when the client
// sends the turn back; before text it goes out with the text.
func (s *Stream) text(dst, t []byte) []byte {
	if s.block != blockText {
		if blankString(t) && len(s.blank)+len(t) <= maxBlank {
			if len(s.blank) == 0 {
				s.blank = append(s.blank, t...)
			} else { // two raw strings joined into one
				s.blank = append(s.blank[:len(s.blank)-1], t[1:]...)
			}
			return dst
		}
		dst = s.openText(dst)
	}
	return s.textDelta(dst, t)
}

// openText closes the open block and opens a text block, starting with the
// whitespace held back, if any.
func (s *Stream) openText(dst []byte) []byte {
	dst = s.closeBlock(dst)
	s.block = blockText
	b := append(s.buf[:0], `{"type":"content_block_start","index":`...)
	b = strconv.AppendInt(b, int64(s.index), 10)
	s.buf = append(b, `,"content_block":{"type":"text","text":""}}`...)
	dst = s.emit(dst, "content_block_start")
	if len(s.blank) > 0 {
		dst = s.textDelta(dst, s.blank)
		s.blank = s.blank[:0]
	}
	return dst
}

// flushBlank ends the whitespace held back at the finish: it is the
// answer's text when the answer has no tool call, and left out otherwise.
func (s *Stream) flushBlank(dst []byte) []byte {
	if len(s.blank) == 0 {
		return dst
	}
	if s.toolSeen || len(s.later) > 0 {
		s.blank = s.blank[:0]
		return dst
	}
	return s.openText(dst)
}

// textDelta emits a text delta of the open text block.
func (s *Stream) textDelta(dst, t []byte) []byte {
	s.output = true
	b := append(s.buf[:0], `{"type":"content_block_delta","index":`...)
	b = strconv.AppendInt(b, int64(s.index), 10)
	b = append(b, `,"delta":{"type":"text_delta","text":`...)
	b = append(b, t...)
	s.buf = append(b, `}}`...)
	return s.emit(dst, "content_block_delta")
}

// toolDelta handles one tool_calls entry. A fragment of the open tool
// block becomes input_json_delta. A new call (a new index, or a new id at
// an index: some compatible servers give every call index 0, or none,
// each call starting with its own id) opens a tool_use block when no other
// call is under way, and is held back otherwise.
func (s *Stream) toolDelta(dst, tc []byte) ([]byte, error) {
	k := count(jsonscan.Member(tc, "index"))
	fn := jsonscan.Member(tc, "function")
	id := jsonscan.Member(tc, "id")
	if !nonEmptyString(id) || len(id) > maxIDLen {
		id = nil
	}
	args := jsonscan.Member(fn, "arguments")
	if !nonEmptyString(args) {
		args = nil
	}
	otherID := func(have []byte) bool { return id != nil && len(have) > 0 && !bytes.Equal(id, have) }
	if s.block == blockTool && k == s.toolIdx {
		if !otherID(s.toolID) {
			return s.toolArgs(dst, args), nil
		}
		if len(s.later) == 0 {
			// One call after another at the same index: the open one is done.
			return s.toolArgs(s.startTool(s.closeBlock(dst), k, id, fn), args), nil
		}
	}
	for i := len(s.later) - 1; i >= 0; i-- {
		if h := &s.later[i]; h.index == k {
			if otherID(h.id) {
				break // a new call at the same index
			}
			if h.name == nil {
				h.name = bytes.Clone(rawName(fn))
				s.laterBytes += len(h.name)
			}
			return dst, s.hold(h, args)
		}
	}
	switch {
	case id == nil && slices.Contains(s.closed, k), len(s.closed) >= maxHeldTools:
		return dst, ErrToolCallFragments
	case s.block == blockTool || len(s.later) > 0:
		if len(s.later) == maxHeldTools {
			return dst, ErrToolCallFragments
		}
		// Copies: the event's bytes are the reader's, reused for the next.
		h := heldTool{index: k, id: bytes.Clone(id), name: bytes.Clone(rawName(fn))}
		s.later = append(s.later, h)
		s.laterBytes += len(h.id) + len(h.name)
		return dst, s.hold(&s.later[len(s.later)-1], args)
	}
	return s.toolArgs(s.startTool(s.closeBlock(dst), k, id, fn), args), nil
}

// rawName is the function name of a tool-call entry (see rawString), nil
// when it has none.
func rawName(fn []byte) []byte {
	if n := rawString(jsonscan.Member(fn, "name"), ""); len(n) > 0 {
		return n
	}
	return nil
}

// startTool opens a tool_use block for OpenAI call k; no block is open.
func (s *Stream) startTool(dst []byte, k int64, id, fn []byte) []byte {
	s.block, s.toolIdx = blockTool, k
	s.toolID = append(s.toolID[:0], id...)
	return s.toolStart(dst, k, id, rawName(fn))
}

// toolStart emits the content_block_start of a tool_use block for OpenAI
// call k with its raw id (nil: one is made from k) and name (nil: empty).
func (s *Stream) toolStart(dst []byte, k int64, id, name []byte) []byte {
	s.toolSeen, s.blank = true, s.blank[:0]
	b := append(s.buf[:0], `{"type":"content_block_start","index":`...)
	b = strconv.AppendInt(b, int64(s.index), 10)
	b = append(b, `,"content_block":{"type":"tool_use","id":`...)
	if id != nil {
		b = appendAnthropicToolID(b, id)
	} else {
		b = append(b, `"call_`...)
		b = strconv.AppendInt(b, k, 10)
		b = append(b, '"')
	}
	b = append(b, `,"name":`...)
	if name == nil {
		name = []byte(`""`)
	}
	b = append(b, name...)
	s.buf = append(b, `,"input":{}}}`...)
	return s.emit(dst, "content_block_start")
}

// toolArgs emits an argument fragment (a raw JSON string; nil: none) of
// the open tool block.
func (s *Stream) toolArgs(dst, args []byte) []byte {
	if args == nil {
		return dst
	}
	s.output = true
	b := append(s.buf[:0], `{"type":"content_block_delta","index":`...)
	b = strconv.AppendInt(b, int64(s.index), 10)
	b = append(b, `,"delta":{"type":"input_json_delta","partial_json":`...)
	b = append(b, args...)
	s.buf = append(b, `}}`...)
	return s.emit(dst, "content_block_delta")
}

// hold keeps an argument fragment (nil: none) of held call h.
func (s *Stream) hold(h *heldTool, args []byte) error {
	if s.laterBytes > s.holdLimit {
		return ErrToolCallFragments
	}
	if args == nil {
		return nil
	}
	if s.laterBytes += len(args) + 8; s.laterBytes > s.holdLimit { // 8: its end
		return ErrToolCallFragments
	}
	h.frags = append(h.frags, args...)
	h.ends = append(h.ends, len(h.frags))
	return nil
}

// flushHeld emits the held tool calls, each a whole block, in the order
// they began; no block is open.
func (s *Stream) flushHeld(dst []byte) []byte {
	for i := range s.later {
		h := &s.later[i]
		dst = s.toolStart(dst, h.index, h.id, h.name)
		s.block, s.toolIdx = blockTool, h.index
		start := 0
		for _, end := range h.ends {
			dst = s.toolArgs(dst, h.frags[start:end])
			start = end
		}
		dst = s.closeBlock(dst)
	}
	s.later, s.laterBytes = s.later[:0], 0
	return dst
}

// closeBlock emits content_block_stop for the open block, if any.
func (s *Stream) closeBlock(dst []byte) []byte {
	if s.block == blockNone {
		return dst
	}
	if s.block == blockTool && !slices.Contains(s.closed, s.toolIdx) {
		// A later fragment of this call has no place (see toolDelta).
		s.closed = append(s.closed, s.toolIdx)
	}
	b := append(s.buf[:0], `{"type":"content_block_stop","index":`...)
	b = strconv.AppendInt(b, int64(s.index), 10)
	s.buf = append(b, '}')
	s.block = blockNone
	s.index++
	return s.emit(dst, "content_block_stop")
}

// messageDelta emits the message_delta with the stop reason and the usage
// known so far, once.
func (s *Stream) messageDelta(dst []byte) []byte {
	if s.deltaSent {
		return dst
	}
	s.deltaSent = true
	reason := s.stop
	if reason == "" {
		reason = "end_turn"
	}
	reason = withTools(reason, s.toolSeen)
	b := append(s.buf[:0], `{"type":"message_delta","delta":{"stop_reason":"`...)
	b = append(b, reason...)
	b = append(b, `","stop_sequence":null},"usage":{`...)
	if s.haveUsage {
		b = append(b, `"input_tokens":`...)
		b = strconv.AppendInt(b, s.usage.InputTokens, 10)
		b = append(b, `,"cache_creation_input_tokens":`...)
		b = strconv.AppendInt(b, s.usage.CacheCreationInputTokens, 10)
		b = append(b, `,"cache_read_input_tokens":`...)
		b = strconv.AppendInt(b, s.usage.CacheReadInputTokens, 10)
		b = append(b, ',')
	}
	b = append(b, `"output_tokens":`...)
	b = strconv.AppendInt(b, s.usage.OutputTokens, 10)
	s.buf = append(b, `}}`...)
	return s.emit(dst, "message_delta")
}

// end handles [DONE]: whatever is still due, then message_stop.
func (s *Stream) end(dst []byte) []byte {
	dst = s.messageStart(dst, nil, nil)
	dst = s.flushBlank(dst)
	dst = s.closeBlock(dst)
	dst = s.flushHeld(dst)
	dst = s.messageDelta(dst)
	s.done = true
	s.buf = append(s.buf[:0], `{"type":"message_stop"}`...)
	return s.emit(dst, "message_stop")
}

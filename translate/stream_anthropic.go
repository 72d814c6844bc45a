package translate

import (
	"strconv"

	"github.com/lifelinehq/lifeline/internal/jsonscan"
	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
)

// fromAnthropic translates one Anthropic stream event into OpenAI chunks:
//
//	message_start             → a chunk with delta {role:"assistant", content:""}
//	content_block_start text  → nothing (its text, if any, as a content chunk)
//	content_block_start tool_use → a tool_calls chunk with id, name and
//	                            arguments "", its index counting tool calls only
//	text_delta                → a chunk with delta.content
//	input_json_delta          → a tool_calls chunk with an arguments fragment
//	content_block_stop        → arguments "{}" for a tool that got none
//	message_delta             → a chunk with the mapped finish_reason (once)
//	message_stop              → the usage chunk (if the client asked), [DONE]
//	error                     → data: {"error":{…}}, and the stream ends
//	ping, thinking, signature and citation deltas, unknown events → nothing
func (s *Stream) fromAnthropic(dst []byte, ev sse.Event) ([]byte, error) {
	data := ev.Data
	if len(data) == 0 {
		return dst, nil
	}
	if !jsonscan.Valid(data) {
		return dst, ErrMalformedEvent
	}
	name := ev.Name
	if len(name) == 0 {
		name = strContent(jsonscan.Member(data, "type"))
	}
	switch string(name) {
	case "message_start":
		if s.started {
			return dst, nil
		}
		msg := jsonscan.Member(data, "message")
		s.id = append(s.id[:0], rawString(jsonscan.Member(msg, "id"), `"chatcmpl-lifeline"`)...)
		s.model = append(s.model[:0], rawString(jsonscan.Member(msg, "model"), `""`)...)
		s.readUsage(jsonscan.Member(msg, "usage"))
		return s.startChunk(dst), nil
	case "content_block_start":
		dst = s.startChunk(dst)
		return s.blockStart(dst, count(jsonscan.Member(data, "index")), jsonscan.Member(data, "content_block")), nil
	case "content_block_delta":
		dst = s.startChunk(dst)
		return s.blockDelta(dst, count(jsonscan.Member(data, "index")), jsonscan.Member(data, "delta")), nil
	case "content_block_stop":
		return s.blockStop(dst, count(jsonscan.Member(data, "index"))), nil
	case "message_delta":
		dst = s.startChunk(dst)
		s.readUsage(jsonscan.Member(data, "usage"))
		if r := strContent(jsonscan.Member(jsonscan.Member(data, "delta"), "stop_reason")); r != nil {
			dst = s.finishChunk(dst, finishReason(string(r)))
		}
		return dst, nil
	case "message_stop":
		dst = s.startChunk(dst)
		dst = s.finishChunk(dst, "stop")
		if s.includeUsage {
			dst = s.usageChunk(dst)
		}
		s.done = true
		return sse.AppendEvent(dst, "", []byte("[DONE]")), nil
	case "error":
		u := streamError(data)
		typ, code := openAIError(u, 0)
		s.done = true
		return append(dst, wire.StreamErrorEvent(wire.OpenAI, typ, code, u.Message)...), nil
	}
	return dst, nil // ping and unknown events
}

// readUsage takes the counts present in an Anthropic usage object; they are
// cumulative, so each replaces the previous value. A null count (the
// message_delta counts are nullable) is absent, as the SDKs read it.
func (s *Stream) readUsage(u []byte) {
	if !isObject(u) {
		return
	}
	if v := jsonscan.Member(u, "input_tokens"); !isNull(v) {
		s.usage.InputTokens = count(v)
	}
	if v := jsonscan.Member(u, "cache_creation_input_tokens"); !isNull(v) {
		s.usage.CacheCreationInputTokens = count(v)
	}
	if v := jsonscan.Member(u, "cache_read_input_tokens"); !isNull(v) {
		s.usage.CacheReadInputTokens = count(v)
	}
	if v := jsonscan.Member(u, "output_tokens"); !isNull(v) {
		s.usage.OutputTokens = count(v)
	}
}

// startChunk emits the role chunk once, first, building the chunk prefix
// from the id and model of message_start (or placeholders when the stream
// skipped it).
func (s *Stream) startChunk(dst []byte) []byte {
	if s.started {
		return dst
	}
	s.started = true
	if len(s.id) == 0 {
		s.id = append(s.id, `"chatcmpl-lifeline"`...)
		s.model = append(s.model[:0], `""`...)
	}
	p := append(s.prefix[:0], `{"id":`...)
	p = append(p, s.id...)
	p = append(p, `,"object":"chat.completion.chunk","created":`...)
	p = strconv.AppendInt(p, s.created, 10)
	p = append(p, `,"model":`...)
	p = append(p, s.model...)
	s.prefix = append(p, `,"choices":[`...)
	return s.chunk(dst, `{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}`)
}

// chunk emits one chunk whose single choice is the given JSON.
func (s *Stream) chunk(dst []byte, choice string) []byte {
	b := append(s.buf[:0], s.prefix...)
	b = append(b, choice...)
	s.buf = append(b, "]}"...)
	return sse.AppendEvent(dst, "", s.buf)
}

// contentChunk emits a delta.content chunk; text is a raw JSON string.
func (s *Stream) contentChunk(dst, text []byte) []byte {
	s.output = true
	b := append(s.buf[:0], s.prefix...)
	b = append(b, `{"index":0,"delta":{"content":`...)
	b = append(b, text...)
	s.buf = append(b, `},"finish_reason":null}]}`...)
	return sse.AppendEvent(dst, "", s.buf)
}

// argsChunk emits an arguments fragment of tool call k; args is a raw JSON
// string.
func (s *Stream) argsChunk(dst []byte, k int, args []byte) []byte {
	s.output = true
	b := append(s.buf[:0], s.prefix...)
	b = append(b, `{"index":0,"delta":{"tool_calls":[{"index":`...)
	b = strconv.AppendInt(b, int64(k), 10)
	b = append(b, `,"function":{"arguments":`...)
	b = append(b, args...)
	s.buf = append(b, `}}]},"finish_reason":null}]}`...)
	return sse.AppendEvent(dst, "", s.buf)
}

func (s *Stream) blockStart(dst []byte, index int64, cb []byte) []byte {
	switch string(strContent(jsonscan.Member(cb, "type"))) {
	case "text":
		if t := jsonscan.Member(cb, "text"); nonEmptyString(t) {
			dst = s.contentChunk(dst, t)
		}
	case "tool_use":
		k := s.tools
		s.tools++
		if s.nOpen == maxOpenTools { // forget the oldest
			copy(s.open[:], s.open[1:])
			s.nOpen--
		}
		t := &s.open[s.nOpen]
		*t = openTool{block: index, tool: k}
		s.nOpen++
		b := append(s.buf[:0], s.prefix...)
		b = append(b, `{"index":0,"delta":{"tool_calls":[{"index":`...)
		b = strconv.AppendInt(b, int64(k), 10)
		b = append(b, `,"id":`...)
		b = append(b, rawString(jsonscan.Member(cb, "id"), `""`)...)
		b = append(b, `,"type":"function","function":{"name":`...)
		b = append(b, rawString(jsonscan.Member(cb, "name"), `""`)...)
		b = append(b, `,"arguments":""}}]},"finish_reason":null}]}`...)
		s.buf = b
		s.output = true // a tool-call delta
		dst = sse.AppendEvent(dst, "", s.buf)
		if in := jsonscan.Member(cb, "input"); isObject(in) && len(in) > 2 && string(in) != "{}" {
			// A tool whose input came whole rather than as deltas.
			q, _ := marshal(string(in))
			t.args = true
			dst = s.argsChunk(dst, k, q)
		}
	}
	return dst
}

func (s *Stream) blockDelta(dst []byte, index int64, delta []byte) []byte {
	switch string(strContent(jsonscan.Member(delta, "type"))) {
	case "text_delta":
		if t := jsonscan.Member(delta, "text"); nonEmptyString(t) {
			dst = s.contentChunk(dst, t)
		}
	case "input_json_delta":
		i := s.openTool(index)
		if pj := jsonscan.Member(delta, "partial_json"); i >= 0 && nonEmptyString(pj) {
			s.open[i].args = true
			dst = s.argsChunk(dst, s.open[i].tool, pj)
		}
	}
	return dst
}

func (s *Stream) blockStop(dst []byte, index int64) []byte {
	i := s.openTool(index)
	if i < 0 {
		return dst
	}
	if t := s.open[i]; !t.args {
		dst = s.argsChunk(dst, t.tool, []byte(`"{}"`))
	}
	copy(s.open[i:], s.open[i+1:s.nOpen])
	s.nOpen--
	return dst
}

// openTool returns the position in s.open of the tool_use block with the
// given Anthropic index, or -1.
func (s *Stream) openTool(index int64) int {
	for i := range s.nOpen {
		if s.open[i].block == index {
			return i
		}
	}
	return -1
}

// finishChunk emits the chunk carrying finish_reason, once.
func (s *Stream) finishChunk(dst []byte, reason string) []byte {
	if s.finished {
		return dst
	}
	s.finished = true
	b := append(s.buf[:0], s.prefix...)
	b = append(b, `{"index":0,"delta":{},"finish_reason":"`...)
	b = append(b, reason...)
	s.buf = append(b, `"}]}`...)
	return sse.AppendEvent(dst, "", s.buf)
}

// usageChunk emits the include_usage chunk: no choices, the usage mapped
// from Anthropic's counts.
func (s *Stream) usageChunk(dst []byte) []byte {
	u := usageToOpenAI(s.usage)
	b := append(s.buf[:0], s.prefix...)
	b = append(b, `],"usage":{"prompt_tokens":`...)
	b = strconv.AppendInt(b, u.PromptTokens, 10)
	b = append(b, `,"completion_tokens":`...)
	b = strconv.AppendInt(b, u.CompletionTokens, 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, u.TotalTokens, 10)
	b = append(b, `,"prompt_tokens_details":{"cached_tokens":`...)
	b = strconv.AppendInt(b, u.PromptTokensDetails.CachedTokens, 10)
	if w := u.PromptTokensDetails.CacheWriteTokens; w > 0 {
		b = append(b, `,"cache_write_tokens":`...)
		b = strconv.AppendInt(b, w, 10)
	}
	s.buf = append(b, `}}}`...)
	return sse.AppendEvent(dst, "", s.buf)
}

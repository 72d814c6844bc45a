package mock

import "encoding/json"

// stopReason is the Anthropic stop_reason of a complete reply.
func (rp *reply) stopReason() string {
	switch {
	case rp.truncated():
		return "max_tokens"
	case rp.kind == answerTool:
		return "tool_use"
	}
	return "end_turn"
}

// anthropicUsage appends a Message usage object.
func anthropicUsage(dst []byte, input, output int) []byte {
	dst = append(dst, `{"input_tokens":`...)
	dst = appendInt(dst, input)
	dst = append(dst, `,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":`...)
	dst = appendInt(dst, output)
	return append(dst, `,"service_tier":"standard"}`...)
}

// anthropicJSON appends a Message body.
func (s *Server) anthropicJSON(dst []byte, rp *reply) []byte {
	dst = append(dst, `{"id":"`...)
	dst = append(dst, rp.id...)
	dst = append(dst, `","type":"message","role":"assistant","model":`...)
	dst = append(dst, rp.modelLiteral()...)
	dst = append(dst, `,"content":[`...)
	switch {
	case rp.kind == answerTool:
		if rp.preamble != nil {
			dst = append(dst, `{"type":"text","text":`...)
			dst = appendJSONString(dst, rp.preamble)
			dst = append(dst, `},`...)
		}
		dst = append(dst, `{"type":"tool_use","id":"`...)
		dst = append(dst, rp.callID...)
		dst = append(dst, `","name":`...)
		dst = append(dst, rp.req.toolName...)
		dst = append(dst, `,"input":`...)
		switch {
		case json.Valid(rp.args):
			dst = append(dst, rp.args...)
		case rp.truncated(): // the input stopped before its first complete member
			dst = append(dst, `{}`...)
		default: // input is always an object on this wire; send the broken text as a string
			dst = appendJSONString(dst, rp.args)
		}
		dst = append(dst, '}')
	case rp.text != nil:
		dst = append(dst, `{"type":"text","text":`...)
		dst = appendJSONString(dst, rp.text)
		dst = append(dst, '}')
	}
	dst = append(dst, `],"stop_reason":"`...)
	dst = append(dst, rp.stopReason()...)
	dst = append(dst, `","stop_sequence":null,"usage":`...)
	dst = anthropicUsage(dst, rp.req.promptTokens(), rp.outTokens)
	return append(dst, '}')
}

// anthropicStream appends the events of a Messages stream to sc.out and
// their end offsets to sc.ends. It returns the index of the first content
// event (-1 when there is none) and of the first event after the content.
func (s *Server) anthropicStream(rp *reply) (firstContent, afterContent int) {
	sc := rp.sc
	dst, ends := sc.out[:0], sc.ends[:0]
	event := func() { dst = append(dst, '\n', '\n'); ends = append(ends, len(dst)) }

	dst = append(dst, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\""...)
	dst = append(dst, rp.id...)
	dst = append(dst, `","type":"message","role":"assistant","model":`...)
	dst = append(dst, rp.modelLiteral()...)
	dst = append(dst, `,"content":[],"stop_reason":null,"stop_sequence":null,"usage":`...)
	dst = anthropicUsage(dst, rp.req.promptTokens(), 1)
	dst = append(dst, "}}"...)
	event()

	firstContent = -1
	index := 0
	pinged := false
	block := func(start string, deltaPrefix string, body []byte, emptyFirst bool) {
		dst = append(dst, "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":"...)
		dst = appendInt(dst, index)
		dst = append(dst, `,"content_block":`...)
		dst = append(dst, start...)
		dst = append(dst, '}')
		event()
		if !pinged {
			dst = append(dst, "event: ping\ndata: {\"type\": \"ping\"}"...)
			event()
			pinged = true
		}
		delta := func(p []byte) {
			if firstContent < 0 {
				firstContent = len(ends)
			}
			dst = append(dst, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":"...)
			dst = appendInt(dst, index)
			dst = append(dst, deltaPrefix...)
			dst = appendEscaped(dst, p)
			dst = append(dst, `"}}`...)
			event()
		}
		if emptyFirst {
			delta(nil)
		}
		chunks(body, pieceSize, delta)
		afterContent = len(ends)
		dst = append(dst, "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":"...)
		dst = appendInt(dst, index)
		dst = append(dst, '}')
		event()
		index++
	}
	const textStart, textDelta = `{"type":"text","text":""}`, `,"delta":{"type":"text_delta","text":"`
	switch {
	case rp.kind == answerTool:
		if rp.preamble != nil {
			block(textStart, textDelta, rp.preamble, false)
		}
		start := make([]byte, 0, 64+len(rp.req.toolName))
		start = append(start, `{"type":"tool_use","id":"`...)
		start = append(start, rp.callID...)
		start = append(start, `","name":`...)
		start = append(start, rp.req.toolName...)
		start = append(start, `,"input":{}}`...)
		block(string(start), `,"delta":{"type":"input_json_delta","partial_json":"`, rp.args, true)
	case len(rp.text) > 0:
		block(textStart, textDelta, rp.text, false)
	default:
		dst = append(dst, "event: ping\ndata: {\"type\": \"ping\"}"...)
		event()
		afterContent = len(ends)
	}

	dst = append(dst, "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\""...)
	dst = append(dst, rp.stopReason()...)
	dst = append(dst, `","stop_sequence":null},"usage":{"output_tokens":`...)
	dst = appendInt(dst, rp.outTokens)
	dst = append(dst, "}}"...)
	event()
	dst = append(dst, "event: message_stop\ndata: {\"type\":\"message_stop\"}"...)
	event()
	sc.out, sc.ends = dst, ends
	return firstContent, afterContent
}

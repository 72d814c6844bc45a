package mock

import "strconv"

// The size of a streamed content piece, in bytes.
const pieceSize = 16

// openAIUsage appends an OpenAI usage object.
func openAIUsage(dst []byte, prompt, completion int) []byte {
	dst = append(dst, `{"prompt_tokens":`...)
	dst = appendInt(dst, prompt)
	dst = append(dst, `,"completion_tokens":`...)
	dst = appendInt(dst, completion)
	dst = append(dst, `,"total_tokens":`...)
	dst = appendInt(dst, prompt+completion)
	return append(dst, `,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}`...)
}

// finishReason is the OpenAI finish_reason of a complete reply.
func (rp *reply) finishReason() string {
	switch {
	case rp.truncated():
		return "length"
	case rp.kind == answerTool:
		return "tool_calls"
	}
	return "stop"
}

// openAIJSON appends a chat.completion body.
func (s *Server) openAIJSON(dst []byte, rp *reply) []byte {
	dst = append(dst, `{"id":"`...)
	dst = append(dst, rp.id...)
	dst = append(dst, `","object":"chat.completion","created":`...)
	dst = strconv.AppendInt(dst, rp.now.Unix(), 10)
	dst = append(dst, `,"model":`...)
	dst = append(dst, rp.modelLiteral()...)
	dst = append(dst, `,"choices":[{"index":0,"message":{"role":"assistant","content":`...)
	if rp.kind == answerTool {
		dst = append(dst, `null,"tool_calls":[{"id":"`...)
		dst = append(dst, rp.callID...)
		dst = append(dst, `","type":"function","function":{"name":`...)
		dst = append(dst, rp.req.toolName...)
		dst = append(dst, `,"arguments":`...)
		dst = appendJSONString(dst, rp.args)
		dst = append(dst, `}}]`...)
	} else {
		dst = appendJSONString(dst, rp.text)
	}
	dst = append(dst, `,"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"`...)
	dst = append(dst, rp.finishReason()...)
	dst = append(dst, `"}],"usage":`...)
	dst = openAIUsage(dst, rp.req.promptTokens(), rp.outTokens)
	dst = append(dst, `,"service_tier":"default","system_fingerprint":`...)
	dst = append(dst, s.fingerprint...)
	return append(dst, '}')
}

// openAIStream appends the chunks of a chat.completion.chunk stream to
// sc.out and their end offsets to sc.ends. It returns the index of the
// first content event (-1 when there is none) and of the first event after
// the content.
func (s *Server) openAIStream(rp *reply) (firstContent, afterContent int) {
	sc := rp.sc
	dst, ends := sc.out[:0], sc.ends[:0]
	// The common prefix of every chunk, rendered once and copied.
	dst = append(dst, `data: {"id":"`...)
	dst = append(dst, rp.id...)
	dst = append(dst, `","object":"chat.completion.chunk","created":`...)
	dst = strconv.AppendInt(dst, rp.now.Unix(), 10)
	dst = append(dst, `,"model":`...)
	dst = append(dst, rp.modelLiteral()...)
	dst = append(dst, `,"service_tier":"default","system_fingerprint":`...)
	dst = append(dst, s.fingerprint...)
	dst = append(dst, `,"choices":[`...)
	prefixLen := len(dst)
	end := `]}` + "\n\n"
	if rp.req.includeUsage {
		end = `],"usage":null}` + "\n\n"
	}
	first := true
	chunk := func(choice ...string) {
		if !first {
			dst = append(dst, dst[:prefixLen]...)
		}
		first = false
		for _, c := range choice {
			dst = append(dst, c...)
		}
		dst = append(dst, end...)
		ends = append(ends, len(dst))
	}
	const open, close = `{"index":0,"delta":`, `,"logprobs":null,"finish_reason":null}`
	firstContent = -1
	if rp.kind == answerTool {
		chunk(open, `{"role":"assistant","content":null,"refusal":null}`, close)
		firstContent = len(ends)
		dst = append(dst, dst[:prefixLen]...)
		dst = append(dst, open+`{"tool_calls":[{"index":0,"id":"`...)
		dst = append(dst, rp.callID...)
		dst = append(dst, `","type":"function","function":{"name":`...)
		dst = append(dst, rp.req.toolName...)
		dst = append(dst, `,"arguments":""}}]}`+close...)
		dst = append(dst, end...)
		ends = append(ends, len(dst))
		chunks(rp.args, pieceSize, func(p []byte) {
			dst = append(dst, dst[:prefixLen]...)
			dst = append(dst, open+`{"tool_calls":[{"index":0,"function":{"arguments":"`...)
			dst = appendEscaped(dst, p)
			dst = append(dst, `"}}]}`+close...)
			dst = append(dst, end...)
			ends = append(ends, len(dst))
		})
	} else {
		chunk(open, `{"role":"assistant","content":"","refusal":null}`, close)
		if len(rp.text) > 0 {
			firstContent = len(ends)
		}
		chunks(rp.text, pieceSize, func(p []byte) {
			dst = append(dst, dst[:prefixLen]...)
			dst = append(dst, open+`{"content":"`...)
			dst = appendEscaped(dst, p)
			dst = append(dst, `"}`+close...)
			dst = append(dst, end...)
			ends = append(ends, len(dst))
		})
	}
	afterContent = len(ends)
	chunk(`{"index":0,"delta":{},"logprobs":null,"finish_reason":"`, rp.finishReason(), `"}`)
	if rp.req.includeUsage {
		dst = append(dst, dst[:prefixLen]...)
		dst = append(dst, `],"usage":`...)
		dst = openAIUsage(dst, rp.req.promptTokens(), rp.outTokens)
		dst = append(dst, "}\n\n"...)
		ends = append(ends, len(dst))
	}
	dst = append(dst, "data: [DONE]\n\n"...)
	ends = append(ends, len(dst))
	sc.out, sc.ends = dst, ends
	return firstContent, afterContent
}

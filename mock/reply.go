package mock

import (
	"sync"
	"time"
	"unicode/utf8"

	"github.com/lifelinehq/lifeline/wire"
)

// scratch holds the reusable buffers of one request.
type scratch struct {
	body []byte // the request body
	out  []byte // the response being rendered
	ids  []byte // response, tool-call and request ids
	ends []int  // end offsets of stream events in out
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{body: make([]byte, 0, 4096), out: make([]byte, 0, 4096), ids: make([]byte, 0, 128), ends: make([]int, 0, 64)}
}}

// maxKeep bounds the buffers returned to the pool.
const maxKeep = 1 << 20

func putScratch(sc *scratch) {
	if cap(sc.body) > maxKeep || cap(sc.out) > maxKeep {
		return
	}
	scratchPool.Put(sc)
}

// reply is everything decided about one response before it is written.
type reply struct {
	sc     *scratch
	d      wire.Dialect
	req    request
	n      uint64
	fault  Fault
	forced bool
	arg    faultArg
	// latency and ttft are the delays of the request: the config's, or
	// X-Mock-Latency and X-Mock-Ttft.
	latency, ttft Range
	now           time.Time
	// shouldRetry is the x-should-retry value sent when the response is
	// not a clean answer; nil sends none.
	shouldRetry []string

	id, callID, reqID []byte // slices of sc.ids; callID is nil without a tool call

	kind      answerKind // answerTool when the reply calls a tool
	text      []byte     // the text or JSON content; nil when none
	args      []byte     // the tool call's arguments (JSON text, maybe broken)
	preamble  []byte     // the short text an Anthropic tool answer starts with; nil when none
	valid     bool
	outTokens int
}

// modelLiteral is the request's model as a JSON string literal.
func (rp *reply) modelLiteral() []byte {
	if rp.req.model != nil {
		return rp.req.model
	}
	return []byte(`"mock-model"`)
}

// decide fills in the content of the reply from the request and the fault.
func (s *Server) decide(rp *reply) {
	rp.valid = true
	rp.kind = rp.req.kind
	switch rp.req.kind {
	case answerTool:
		o := s.cache.get(rp.req.schema)
		rp.args = o.valid
		if rp.d == wire.Anthropic {
			rp.preamble = []byte("I'll use the " + unquote(rp.req.toolName) + " tool.")
		}
		if rp.fault == BadToolArgs {
			rp.valid = false
			if rp.arg.word == "not_json" || (rp.d == wire.OpenAI && rp.arg.word == "json") {
				rp.args = o.notJSON
			} else {
				rp.args = o.broken("missing")
			}
		}
	case answerJSONSchema:
		o := s.cache.get(rp.req.schema)
		rp.text = o.valid
		switch rp.fault {
		case NotJSON:
			rp.text, rp.valid = fenced(o.valid), false
		case BadSchema:
			rp.text, rp.valid = o.broken(rp.arg.word), false
		}
	case answerJSONObject:
		rp.text = s.answerObject
		if rp.fault == NotJSON {
			rp.text, rp.valid = s.answerObjectFenced, false
		}
	default:
		rp.text = s.text
	}
	if rp.truncated() {
		if rp.kind == answerTool {
			rp.args, rp.valid = cutShort(rp.args), false
		} else {
			// Cut plain text is still an answer a gateway may serve; cut
			// JSON is not.
			rp.text, rp.valid = cutShort(rp.text), rp.kind == answerText
		}
	}
	if rp.fault == Empty {
		rp.kind, rp.text, rp.args, rp.preamble, rp.valid = answerText, nil, nil, nil, false
	}
	if rp.fault != None && !rp.fault.content() {
		rp.valid = false // errors, hangs and broken streams are never valid
	}
	rp.outTokens = (len(rp.text) + len(rp.args) + len(rp.preamble) + 3) / 4
}

// truncated reports whether the answer stops at the token limit
// (Anthropic max_tokens, OpenAI length).
func (rp *reply) truncated() bool { return rp.fault == MaxTokens }

// cutShort returns the first half of an answer, at a UTF-8 boundary and
// never empty, as a model stopped by its token limit sends it.
func cutShort(v []byte) []byte {
	n := max(len(v)/2, 1)
	for n < len(v) && !utf8.RuneStart(v[n]) {
		n++
	}
	return v[:n:n]
}

// fenced wraps JSON in a Markdown code fence, the commonest way a model's
// structured output fails to be JSON.
func fenced(v []byte) []byte {
	out := make([]byte, 0, len(v)+32)
	out = append(out, "Here is the JSON you asked for:\n```json\n"...)
	out = append(out, v...)
	return append(out, "\n```"...)
}

// makeIDs renders the response, tool-call and request ids of request n.
func (s *Server) makeIDs(rp *reply) {
	b := rp.sc.ids[:0]
	h := func(salt uint64) uint64 { return draw(s.idSeed, rp.n, saltID+salt) }
	var idEnd, callEnd int
	if rp.d == wire.Anthropic {
		b = appendID(b, "msg_01", h(0), 22)
		idEnd = len(b)
		if rp.kind == answerTool {
			b = appendID(b, "toolu_01", h(1), 22)
		}
		callEnd = len(b)
		b = appendID(b, "req_011C", h(2), 20)
	} else {
		b = appendID(b, "chatcmpl-", h(0), 29)
		idEnd = len(b)
		if rp.kind == answerTool {
			b = appendID(b, "call_", h(1), 24)
		}
		callEnd = len(b)
		b = appendHex(append(b, "req_"...), h(2), h(3))
	}
	rp.sc.ids = b
	rp.id, rp.reqID = b[:idEnd:idEnd], b[callEnd:]
	if callEnd > idEnd {
		rp.callID = b[idEnd:callEnd:callEnd]
	}
}

// chunks calls fn with consecutive pieces of b of about size bytes, cut
// after a space when there is one and never inside a UTF-8 sequence.
func chunks(b []byte, size int, fn func(piece []byte)) {
	for len(b) > 0 {
		if len(b) <= size {
			fn(b)
			return
		}
		cut := size
		for i := size; i < len(b) && i < 2*size; i++ {
			if b[i-1] == ' ' {
				cut = i
				break
			}
		}
		for cut < len(b) && b[cut]&0xC0 == 0x80 { // continuation byte
			cut++
		}
		fn(b[:cut])
		b = b[cut:]
	}
}

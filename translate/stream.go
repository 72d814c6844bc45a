package translate

import (
	"errors"
	"math"

	"github.com/lifelinehq/lifeline/internal/jsonscan"
	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
)

// ErrMalformedEvent is returned by Stream.Event for an event whose data is
// not JSON (and not OpenAI's "[DONE]"). Nothing is emitted for it; the
// stream may go on.
var ErrMalformedEvent = errors.New("translate: stream event data is not JSON")

// ErrToolCallFragments is returned by Stream.Event for OpenAI tool-call
// fragments that cannot become Anthropic content blocks: a fragment for a
// call whose block was already closed, more tool calls in one answer than
// a Stream keeps track of (1024), or more bytes of them held back than
// Options.HoldLimit. Nothing is dropped silently: the caller treats the
// stream as failed.
var ErrToolCallFragments = errors.New("translate: tool-call fragments that cannot be placed in content blocks")

// Limits that keep a Stream's memory and output independent of what the
// upstream sends.
const (
	// maxIDLen bounds the raw message id and model kept from the first
	// event and repeated in every OpenAI chunk; longer values are replaced.
	maxIDLen = 128
	// maxOpenTools bounds the Anthropic tool_use blocks tracked at once;
	// Anthropic opens one block at a time, so only malformed streams reach it.
	maxOpenTools = 16
	// maxHeldTools bounds the OpenAI tool calls of one answer a Stream
	// holds back (while another call's block is open) or remembers as
	// closed; Options.HoldLimit bounds the bytes held.
	maxHeldTools = 1024
	// defaultHoldLimit is Options.HoldLimit's default.
	defaultHoldLimit = 64 << 20
	// maxBlank bounds the whitespace text held back before a text block
	// opens; more is sent as text.
	maxBlank = 4 << 10
)

// Stream converts a stream event by event.
//
// What it keeps: the message id and model (bounded), usage counts, the stop
// reason and which content block or tool call is open. Toward an Anthropic
// client it also holds back, until they can be sent, the OpenAI tool calls
// that arrive while another call's block is open (at most 1024 calls and
// Options.HoldLimit bytes) and text of whitespace only before a text block
// opens (at most 4 KiB; more is sent as text). What it drops:
// thinking, redacted thinking, signature and citation deltas and
// server-tool blocks (no OpenAI counterpart), pings (OpenAI clients), and
// every event after the terminal one. An upstream error event becomes the
// client dialect's error event and ends the stream: no [DONE] or
// message_stop follows it. Terminal events are emitted only for the
// upstream's own terminal event: a cut upstream stream stays cut, for the
// caller to report.
//
// A Stream is not safe for concurrent use.
type Stream struct {
	from, to wire.Dialect
	done     bool   // the terminal or an error event was emitted
	buf      []byte // the data of the event being built
	id       []byte // raw JSON string, quotes included
	model    []byte // raw JSON string, quotes included
	usage    anUsage
	started  bool // the first client event (role chunk, message_start) was emitted
	output   bool // an event carrying model output was emitted (see Output)

	// Anthropic upstream → OpenAI client.
	created      int64
	includeUsage bool
	prefix       []byte // chunk JSON up to the choices array
	tools        int    // tool_use blocks seen: the next OpenAI tool-call index
	open         [maxOpenTools]openTool
	nOpen        int
	finished     bool // the finish_reason chunk was emitted

	// OpenAI upstream → Anthropic client.
	block      blockKind  // the open content block
	index      int        // the open block's index; blocks started so far when none is open
	toolIdx    int64      // the OpenAI index of the open tool block
	toolID     []byte     // the open tool block's raw id, empty when it had none
	closed     []int64    // OpenAI indexes of tool calls whose block text closed
	later      []heldTool // tool calls held back while another call's block is open
	laterBytes int        // what they keep: ids, names, argument fragments
	holdLimit  int        // the most laterBytes may reach (Options.HoldLimit)
	stop       string     // mapped stop_reason, "" until a finish_reason arrives
	haveUsage  bool
	refused    bool   // a refusal delta was seen
	blank      []byte // whitespace text held while no text block is open (a raw JSON string)
	toolSeen   bool   // a tool_use block was started
	deltaSent  bool   // message_delta was emitted
}

// heldTool is an OpenAI tool call held back until the end of the stream:
// another call's block was open when it began, and Anthropic content
// blocks cannot interleave.
type heldTool struct {
	index int64
	id    []byte // raw JSON string; nil when the call had none
	name  []byte // raw JSON string; nil until one came
	frags []byte // the raw argument fragments (JSON strings), back to back
	ends  []int  // where each fragment ends in frags
}

// openTool is an Anthropic tool_use block being streamed to an OpenAI client.
type openTool struct {
	block int64 // Anthropic content block index
	tool  int   // OpenAI tool-call index
	args  bool  // a non-empty argument fragment was sent
}

type blockKind uint8

const (
	blockNone blockKind = iota
	blockText
	blockTool
)

// NewStream returns a translator of a from-dialect stream into dialect to.
// clientRequest is the client's request body, in dialect to: an OpenAI
// client gets a usage chunk only if it set stream_options.include_usage.
func (o Options) NewStream(from, to wire.Dialect, clientRequest []byte) *Stream {
	s := &Stream{from: from, to: to, buf: make([]byte, 0, 512), holdLimit: defaultHoldLimit}
	if o.HoldLimit > 0 {
		s.holdLimit = int(min(o.HoldLimit, math.MaxInt32))
	}
	if from == wire.Anthropic && to == wire.OpenAI {
		s.created = o.now().Unix()
		if jsonscan.Valid(clientRequest) {
			s.includeUsage = string(jsonscan.Member(jsonscan.Member(clientRequest, "stream_options"), "include_usage")) == "true"
		}
	}
	return s
}

// Event appends to dst the dialect-to events that ev translates into (zero
// or more framed SSE events) and returns the extended slice. When the two
// dialects are the same, the event is appended as it came.
func (s *Stream) Event(dst []byte, ev sse.Event) ([]byte, error) {
	switch {
	case s.from == s.to:
		return append(dst, ev.Raw...), nil
	case s.done:
		return dst, nil
	case s.from == wire.Anthropic && s.to == wire.OpenAI:
		return s.fromAnthropic(dst, ev)
	case s.from == wire.OpenAI && s.to == wire.Anthropic:
		return s.fromOpenAI(dst, ev)
	}
	return dst, nil
}

// Output reports whether the events emitted so far carry model output in
// the client's dialect: text, a refusal or a tool call (OpenAI chunks), a
// text or tool-input delta (Anthropic). An upstream event that carries
// output in its own dialect may translate into none: a thinking delta
// toward OpenAI, an empty text delta. Until Output is true, what the
// client received holds no model output.
func (s *Stream) Output() bool { return s.output }

// streamError reads the error of an error event, which may be a full error
// body or, from some servers, {"error":"message"}.
func streamError(data []byte) wire.UpstreamError {
	if u, ok := wire.ParseError(data); ok {
		return u
	}
	u := bodyError(0, data)
	if u.Message == "" {
		u.Message = "upstream stream error"
	}
	return u
}

// rawString returns v when it is a JSON string of at most maxIDLen bytes,
// else fallback.
func rawString(v []byte, fallback string) []byte {
	if isString(v) && len(v) <= maxIDLen {
		return v
	}
	return []byte(fallback)
}

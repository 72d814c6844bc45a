// Package translate converts requests, responses, errors and streams
// between the OpenAI Chat Completions dialect and the Anthropic Messages
// dialect, so that a route's chain may mix providers of both kinds.
package translate

import (
	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
)

// DefaultMaxTokens is the max_tokens sent to an Anthropic target when an
// OpenAI-dialect request sets neither max_tokens nor max_completion_tokens
// (Anthropic requires it).
const DefaultMaxTokens = 4096

// Request converts a client request body from dialect from to dialect to,
// with its model set to model. Fields without a counterpart are dropped.
func Request(from, to wire.Dialect, body []byte, model string) ([]byte, error) {
	panic("not implemented")
}

// Response converts a non-streaming 2xx response body of dialect from into
// dialect to.
func Response(from, to wire.Dialect, body []byte) ([]byte, error) {
	panic("not implemented")
}

// Error converts an upstream error body of dialect from into dialect to,
// keeping its type and message (mapped to the closest type of the other
// dialect). The HTTP status is kept by the caller.
func Error(from, to wire.Dialect, status int, body []byte) []byte {
	panic("not implemented")
}

// Stream converts a stream event by event, keeping no more than one event.
type Stream struct{}

// NewStream returns a translator of a from-dialect stream into dialect to.
// clientRequest is the client's request body (it says, for instance,
// whether an OpenAI client asked for a usage chunk).
func NewStream(from, to wire.Dialect, clientRequest []byte) *Stream {
	panic("not implemented")
}

// Event appends to dst the dialect-to events that ev translates into (zero
// or more framed SSE events) and returns the extended slice.
func (s *Stream) Event(dst []byte, ev sse.Event) ([]byte, error) {
	panic("not implemented")
}

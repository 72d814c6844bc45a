// Package translate converts requests, responses, errors and streams
// between the OpenAI Chat Completions dialect and the Anthropic Messages
// dialect, so that a route's chain may mix providers of both kinds.
//
// Request settings that have no counterpart in the target dialect are
// dropped (with a debug record when Options.Log is set). Content is never
// dropped: a message part, content block or tool result the target dialect
// cannot carry makes Request fail with ErrUntranslatable, naming its place
// and type; a body that is not a request at all fails with
// ErrInvalidRequest. Thinking blocks, which only the model reads back, are
// the one kind of content dropped toward OpenAI. Responses keep the upstream id
// and model; thinking blocks, which have no slot in the OpenAI dialect, are
// dropped. Streams are translated event by event: the translator keeps a
// few counters and the message id and model, and holds back content only
// where the target dialect needs it later (see Stream), within bounds.
//
// Choices where the dialects differ:
//   - OpenAI system and developer messages become Anthropic's system (a
//     string for a single one, text blocks otherwise); Anthropic system
//     blocks become one system message each.
//   - Tool messages become tool_result blocks, consecutive ones grouped in
//     one user turn; tool_result blocks become tool messages placed before
//     the rest of their turn.
//   - An OpenAI file part holding a PDF as a base64 data URL becomes an
//     Anthropic document block with a base64 source, its filename the
//     title, and back; a document without a title gets the filename
//     "document.pdf", which OpenAI requires. An assistant refusal becomes a
//     text block.
//   - A function's parameters without "type": "object" at their root ({}
//     or none, a function without parameters) get it: Anthropic refuses an
//     input_schema without it.
//   - A base64 image sent to Anthropic names the media type of its bytes
//     when they are JPEG, PNG, GIF or WebP (Anthropic refuses another name,
//     image/jpg included, which OpenAI takes); else the given type, in
//     lower case.
//   - Arguments that are not a JSON object become the input {}.
//   - Tool call ids Anthropic refuses (outside ^[a-zA-Z0-9_-]+$ or over 64
//     bytes, such as "functions.get_weather:0") are rewritten the same way
//     in the tool_use and in its tool_result, on every turn: refused bytes
//     become '_' and a hash of the original ends the id, 40 bytes at most.
//     Toward OpenAI, which refuses ids over 40 bytes, longer ones are cut
//     and end with the hash alike.
//     An OpenAI answer given to an Anthropic client carries its tool call
//     ids so rewritten, and leaves out text of whitespace only beside its
//     tool calls (streamed: held back until text or a tool call follows),
//     so the client can send the turn back to Anthropic as it is.
//   - An OpenAI assistant message with no content, which Anthropic refuses
//     anywhere but last, is left out, and so is a user message with none.
//     Text that is empty or only whitespace where a message (or a tool
//     result) has no other text, which Anthropic refuses ("text content
//     blocks must contain non-whitespace text"), counts as no content: the
//     "\n\n" an OpenAI-compatible model sends beside its tool calls, a
//     blank system or user message.
//   - OpenAI stop sequences that are empty or only whitespace, which
//     Anthropic refuses, are dropped.
//   - An OpenAI target gets max_completion_tokens (max_tokens is deprecated
//     there); an Anthropic target gets DefaultMaxTokens when the request
//     sets no limit, a temperature above 1 capped at 1, and no top_p when
//     the request sets temperature too (current Claude models refuse both).
//   - Anthropic's output_config.format has no name; the OpenAI
//     response_format built from it is named "response".
//   - Usage: OpenAI prompt_tokens = Anthropic input + cache writes + cache
//     reads; cached_tokens = cache reads; cache_write_tokens = cache writes.
//   - Stop reasons, Anthropic → OpenAI: end_turn, stop_sequence and
//     pause_turn → stop; max_tokens and model_context_window_exceeded →
//     length; tool_use → tool_calls; refusal → content_filter. OpenAI →
//     Anthropic: stop → end_turn (refusal when the message was a refusal,
//     tool_use when it carries tool calls, as OpenAI's answer to a named
//     tool_choice does); length → max_tokens; tool_calls and function_call
//     → tool_use; content_filter → refusal.
//   - Error types follow the table of Error.
package translate

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/lifelinehq/lifeline/wire"
)

// DefaultMaxTokens is the max_tokens sent to an Anthropic target when an
// OpenAI-dialect request sets neither max_tokens nor max_completion_tokens
// (Anthropic requires it).
const DefaultMaxTokens = 4096

// Errors returned by Request and Response. The returned errors wrap them
// with the place of the problem.
var (
	ErrInvalidRequest  = errors.New("translate: not a valid request body")
	ErrInvalidResponse = errors.New("translate: not a valid response body")
	// ErrUntranslatable is returned by Request for a valid request holding
	// content the target dialect cannot carry (an OpenAI audio part toward
	// Anthropic, an Anthropic document given as a URL toward OpenAI…). The
	// error names the message and part, as in
	// "messages[1].content[2]: input_audio parts have no Anthropic counterpart".
	ErrUntranslatable = errors.New("translate: content the target dialect cannot carry")
)

// Options adjusts translation. The zero value is ready to use: no logging,
// the system clock.
type Options struct {
	// Log receives a debug record for every request field or setting
	// dropped because the target dialect has no counterpart. Nil: no records.
	Log *slog.Logger
	// Now returns the current time, used for the "created" member of OpenAI
	// responses and chunks built from Anthropic ones. Nil: time.Now.
	Now func() time.Time
	// HoldLimit bounds the bytes of the OpenAI tool calls a Stream holds
	// back while another call's block is open (see Stream). Zero or less:
	// 64 MiB.
	HoldLimit int64
}

// Request converts a client request body from dialect from to dialect to,
// with its model set to model. Fields without a counterpart are dropped;
// content without one is refused with ErrUntranslatable.
func Request(from, to wire.Dialect, body []byte, model string) ([]byte, error) {
	return Options{}.Request(from, to, body, model)
}

// Response converts a non-streaming 2xx response body of dialect from into
// dialect to.
func Response(from, to wire.Dialect, body []byte) ([]byte, error) {
	return Options{}.Response(from, to, body)
}

// NewStream returns a translator of a from-dialect stream into dialect to.
// clientRequest is the client's request body (it says, for instance,
// whether an OpenAI client asked for a usage chunk).
func NewStream(from, to wire.Dialect, clientRequest []byte) *Stream {
	return Options{}.NewStream(from, to, clientRequest)
}

// Request converts a client request body from dialect from to dialect to,
// with its model set to model (kept as it is when model is empty). When
// from == to only the model changes. Fields without a counterpart are
// dropped and reported to o.Log at debug level; content without one (see
// ErrUntranslatable) makes the request fail.
func (o Options) Request(from, to wire.Dialect, body []byte, model string) ([]byte, error) {
	switch {
	case from == to:
		f, err := wire.Peek(body)
		if err != nil {
			return nil, errors.Join(ErrInvalidRequest, err)
		}
		if model == "" {
			return body, nil
		}
		return wire.SetModel(body, f, model), nil
	case from == wire.OpenAI && to == wire.Anthropic:
		return o.requestOpenAIToAnthropic(body, model)
	case from == wire.Anthropic && to == wire.OpenAI:
		return o.requestAnthropicToOpenAI(body, model)
	}
	return nil, unknownDialects(from, to)
}

// Response converts a non-streaming 2xx response body of dialect from into
// dialect to. When from == to the body is returned unchanged.
func (o Options) Response(from, to wire.Dialect, body []byte) ([]byte, error) {
	switch {
	case from == to:
		return body, nil
	case from == wire.Anthropic && to == wire.OpenAI:
		return o.responseAnthropicToOpenAI(body)
	case from == wire.OpenAI && to == wire.Anthropic:
		return o.responseOpenAIToAnthropic(body)
	}
	return nil, unknownDialects(from, to)
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// drop records that a field or part was left out of a translation.
func (o Options) drop(what string, from, to wire.Dialect) {
	if o.Log != nil {
		o.Log.Debug("translate: dropped field without counterpart",
			slog.String("field", what), slog.String("from", from.String()), slog.String("to", to.String()))
	}
}

// untranslatable is the error for content at where that the target dialect
// cannot carry; what says what it is and why.
func untranslatable(where, what string) error {
	return fmt.Errorf("%w: %s: %s", ErrUntranslatable, where, what)
}

func unknownDialects(from, to wire.Dialect) error {
	return errors.New("translate: unsupported dialects " + from.String() + " -> " + to.String())
}

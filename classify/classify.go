package classify

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/lifelinehq/lifeline/wire"
)

// Retry is the x-should-retry response header, when present.
type Retry uint8

// Values of the x-should-retry header.
const (
	RetryUnset Retry = iota // header absent or unreadable
	RetryTrue               // "true": any failure but rejected may retry the same target
	RetryFalse              // "false": never retry the same target
)

// Signal is everything known about one attempt's outcome.
type Signal struct {
	// Status is the upstream HTTP status; 0 when no response arrived.
	Status int
	// Header holds the response headers (nil when no response arrived).
	Header http.Header
	// Body is the error body of a non-2xx response, or the data of an SSE
	// error event inside a 2xx stream.
	Body []byte
	// Err is a transport or timeout error when no usable response arrived
	// (connection refused/reset, TLS, DNS, context deadline, cut stream).
	Err error
	// InStream is set when Body came from an SSE error event inside a 2xx
	// stream rather than from a non-2xx response.
	InStream bool
}

// Result is a classified outcome.
type Result struct {
	Class Class
	Retry Retry              // the x-should-retry header
	Error wire.UpstreamError // what the error body said, when there was one
	// Known is false when no table row matched and the safe default
	// (transient for 5xx, rejected for 4xx) was used.
	Known bool
}

// Classifier classifies outcomes of one dialect.
type Classifier interface {
	Classify(s Signal) Result
}

// New returns the table-driven classifier of dialect d. Outcomes that match
// no row get the safe default and are logged once (per status, type and code)
// at warn level on log; log may be nil. The classifier is safe for concurrent
// use.
func New(d wire.Dialect, log *slog.Logger) Classifier {
	c := &classifier{dialect: d, rows: tableFor(d)}
	if log != nil {
		c.unknown = newUnknownLog(d, log, unknownCap)
	}
	return c
}

// classifier evaluates one dialect's table.
type classifier struct {
	dialect wire.Dialect
	rows    []row
	unknown *unknownLog // nil when there is no logger
}

// Classify returns the class of one attempt's outcome. A transport error
// wins over everything else; a 2xx response outside a stream is OK (the
// engine validates its output); anything else is matched against the table,
// first row first, and falls back to the safe default when no row matches.
func (c *classifier) Classify(s Signal) Result {
	r := Result{Retry: ShouldRetry(s.Header)}
	switch {
	case s.Err != nil:
		r.Class, r.Known = Transient, knownTransport(s.Err)
		if !r.Known && c.unknown != nil {
			c.unknown.transport(s, r.Class)
		}
		return r
	case !s.InStream && s.Status >= 200 && s.Status < 300:
		r.Class, r.Known = OK, true
		return r
	}
	var e wire.UpstreamError
	parsed := false
	if jsonObject(s.Body) {
		e, parsed = wire.ParseError(s.Body)
	}
	r.Error = e
	text := e.Message
	if !parsed {
		text = rawText(s.Body)
	}
	for i := range c.rows {
		if c.rows[i].matches(&s, &e, parsed, text) {
			r.Class, r.Known = c.rows[i].class, true
			return r
		}
	}
	r.Class = fallback(s)
	if c.unknown != nil {
		c.unknown.outcome(s, &e, r.Class)
	}
	return r
}

// fallback is the safe default for an outcome no row matched: an error
// inside a stream or a 5xx is transient, a 429 waits, any other 4xx is
// rejected, a redirect is not_found (the API is not at the target's URL,
// and asking again gets the same redirect), and anything else (1xx, no
// status) is transient.
func fallback(s Signal) Class {
	switch {
	case s.InStream:
		return Transient
	case s.Status == http.StatusTooManyRequests:
		return Wait
	case s.Status >= 400 && s.Status < 500:
		return Rejected
	case s.Status >= 300 && s.Status < 400:
		return NotFound
	}
	return Transient
}

// jsonObject reports whether body looks like a JSON object, so that HTML
// and text bodies skip the JSON decoder.
func jsonObject(body []byte) bool {
	for _, b := range body {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b == '{'
	}
	return false
}

// ShouldRetry reads the x-should-retry header: "true" or "false", any
// case; anything else is RetryUnset. Classify reads it for every failure;
// a 2xx answer that fails validation needs it read on its own.
func ShouldRetry(h http.Header) Retry {
	v := strings.TrimSpace(h.Get("X-Should-Retry"))
	switch {
	case v == "":
		return RetryUnset
	case strings.EqualFold(v, "true"):
		return RetryTrue
	case strings.EqualFold(v, "false"):
		return RetryFalse
	}
	return RetryUnset
}

package lifeline

import (
	"context"
	"net/http"
)

// newAttemptContext returns a context that ends when parent ends or when
// end is called.
func newAttemptContext(parent context.Context) *attemptContext {
	a := new(attemptContext)
	a.init(parent, parent)
	return a
}

// UpstreamCall gives the benchmarks of package lifeline_test the engine's
// upstream request storage, so that the bare wrapper they compare the
// engine with pays no more for it than the engine does.
type UpstreamCall = upstreamCall

// NewUpstreamCall returns storage whose context is an attempt context of
// parent, started.
func NewUpstreamCall(parent context.Context) *UpstreamCall { return newUpstreamCall(parent) }

// Restart readies u for another request under parent, as the engine does;
// false when u serves another context.
func (u *upstreamCall) Restart(parent context.Context) bool { return u.restart(parent) }

// Prepare fills u's request from template with body and key, and returns it.
func (u *upstreamCall) Prepare(template *http.Request, body []byte, key string) *http.Request {
	u.key[0] = key
	u.header["Idempotency-Key"] = u.key[:]
	return u.prepare(template, body)
}

// Finish ends u's attempt and reports whether net/http has given u back,
// its answer's body closed (see upstreamCall).
func (u *upstreamCall) Finish() bool { return u.ctx.end(nil) && u.written() }

// AttemptsJSON is the "lifeline" member of error bodies, for tests that
// look at it alone.
var AttemptsJSON = attemptsJSON

package lifeline

import (
	"context"
	"net/http"
)

// AttemptContext and UpstreamCall give the benchmarks of package
// lifeline_test the engine's attempt context and upstream request
// storage, so that the bare wrapper they compare the engine with pays no
// more for them than the engine does.
type AttemptContext = attemptContext

// NewAttemptContext returns an attempt context of the request context parent.
func NewAttemptContext(parent context.Context) *AttemptContext { return newAttemptContext(parent) }

// newAttemptContext returns a context that ends when parent ends or when
// end is called.
func newAttemptContext(parent context.Context) *attemptContext {
	a := new(attemptContext)
	a.init(parent, parent)
	return a
}

// End ends the attempt context with cause.
func (a *attemptContext) End(cause error) { a.end(cause) }

// UpstreamCall is the engine's reusable storage of an upstream request.
type UpstreamCall = upstreamCall

// NewUpstreamCall returns storage whose context is an attempt context of
// parent, started.
func NewUpstreamCall(parent context.Context) *UpstreamCall { return newUpstreamCall(parent) }

// Restart readies u for another request under parent, as the engine does;
// false when u serves another context.
func (u *upstreamCall) Restart(parent context.Context) bool {
	if !u.ctx.of(parent) {
		return false
	}
	clear(u.header)
	u.ctx.start()
	return true
}

// Prepare fills u's request from template with body and key, and returns it.
func (u *upstreamCall) Prepare(template *http.Request, body []byte, key string) *http.Request {
	u.key[0] = key
	u.header["Idempotency-Key"] = u.key[:]
	return u.prepare(template, body)
}

// Finish ends u's attempt and reports whether net/http has given u back,
// its answer's body closed (see upstreamCall).
func (u *upstreamCall) Finish() bool { return u.ctx.end(nil) && u.written() }

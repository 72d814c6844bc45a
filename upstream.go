package lifeline

import (
	"bytes"
	"context"
	"io"
	"net/http"
)

// upstreamCall is the storage of one upstream request: the request, its
// context, header map, idempotency key value and body reader. A call
// keeps it from one attempt to the next, and a pooled call (Transport)
// from one request to the next when the next comes with the same context
// (an SDK's calls under context.Background, an agent's under its loop's
// context), whenever net/http has given it back:
//
//   - the attempt got a response and its body was closed, after which
//     net/http no longer uses the request (http.RoundTripper's contract);
//   - its context is quiet: ended by the attempt itself, with no callback
//     of the request's context or the watchdog's still able to end it.
//
// Otherwise (a transport error, a stream handed on, a bound that fired)
// it is left to whoever still holds it, and the next attempt makes anew.
// The context's parent never changes (see attemptContext.start).
type upstreamCall struct {
	ctx    attemptContext
	req    *http.Request // its context is ctx
	header http.Header
	key    [1]string // the Idempotency-Key header's value
	body   bytes.Reader
	rc     io.ReadCloser // io.NopCloser(&body): net/http sees it is in memory
}

// newUpstreamCall returns storage for upstream requests under parent, its
// context started.
func newUpstreamCall(parent context.Context) *upstreamCall {
	u := &upstreamCall{header: make(http.Header, 8)} // one map group: no growth for common requests
	u.ctx.init(parent)
	u.req = new(http.Request).WithContext(&u.ctx)
	u.rc = io.NopCloser(&u.body)
	return u
}

// upstreamStorage returns the storage for the next attempt, its context
// started: kept from an earlier attempt when it was given back and serves
// the same request context, else new. The caller fills the request.
func (c *call) upstreamStorage() *upstreamCall {
	u := c.up
	c.up = nil
	if u == nil || !u.ctx.of(c.ctx) {
		return newUpstreamCall(c.ctx)
	}
	clear(u.header)
	u.ctx.start()
	return u
}

// keep takes u back for later attempts; only storage net/http gave back
// (see upstreamCall) may be kept.
func (c *call) keep(u *upstreamCall) { c.up = u }

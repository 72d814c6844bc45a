package lifeline

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
)

// upstreamCall is the storage of one upstream request: the request, its
// context, header map, idempotency key value and body reader. A call
// keeps it from one attempt to the next, and a pooled call (Transport)
// from one request to the next when the next comes with the same context
// (an SDK's calls under context.Background, an agent's under its loop's
// context), once net/http has given it back:
//
//   - every write of the request has ended (httptrace's WroteRequest, which
//     comes after the body is closed, for the first body and for each one
//     net/http took from GetBody): an upstream that answers before it has
//     read the body leaves net/http writing it after the answer, even after
//     the answer's body is closed;
//   - the attempt got a response and its body was closed, after which
//     net/http no longer uses the request (http.RoundTripper's contract);
//   - its context is quiet: ended by the attempt itself, with no callback
//     of the request's context or the watchdog's still able to end it.
//
// Otherwise (a transport error, a stream handed on, a bound that fired, a
// write still going) it is left to whoever still holds it, and the next
// attempt makes anew. The context's parent never changes (see
// attemptContext.start).
type upstreamCall struct {
	ctx    attemptContext
	req    *http.Request // its context is ctx
	header http.Header
	key    [1]string // the Idempotency-Key header's value
	sent   []byte    // the attempt's body
	body   bytes.Reader
	rc     io.ReadCloser // io.NopCloser(&body): net/http sees it is in memory

	bodies atomic.Int32 // bodies given to net/http in this attempt
	wrote  atomic.Int32 // writes of the request that net/http ended
	trace  httptrace.ClientTrace
}

// newUpstreamCall returns storage for upstream requests under parent, its
// context started.
func newUpstreamCall(parent context.Context) *upstreamCall {
	u := &upstreamCall{header: make(http.Header, 8)} // one map group: no growth for common requests
	u.trace.WroteRequest = u.wroteRequest
	values := httptrace.WithClientTrace(parent, &u.trace)
	u.ctx.init(parent, values)
	u.req = new(http.Request).WithContext(&u.ctx)
	u.req.GetBody = u.replay
	u.rc = io.NopCloser(&u.body)
	return u
}

// upstreamStorage returns the storage for the next attempt, its context
// started: kept from an earlier attempt when it was given back and serves
// the same request context, else new. The caller fills the request with
// prepare.
func (c *call) upstreamStorage() *upstreamCall {
	u := c.up
	c.up = nil
	if u == nil || !u.restart(c.ctx) {
		return newUpstreamCall(c.ctx)
	}
	return u
}

// restart readies storage given back for an attempt under parent, its
// context started; false when it serves another context.
func (u *upstreamCall) restart(parent context.Context) bool {
	if !u.ctx.of(parent) {
		return false
	}
	clear(u.header)
	u.ctx.start()
	return true
}

// prepare fills u's request from a target's template (see target) with
// its header map and body.
func (u *upstreamCall) prepare(tr *http.Request, body []byte) *http.Request {
	r := u.req
	r.Method, r.URL, r.Host = tr.Method, tr.URL, tr.Host
	r.Proto, r.ProtoMajor, r.ProtoMinor = tr.Proto, tr.ProtoMajor, tr.ProtoMinor
	u.sent = body
	u.body.Reset(body)
	u.bodies.Store(1)
	u.wrote.Store(0)
	r.Header, r.Body, r.ContentLength = u.header, u.rc, int64(len(body))
	return r
}

// replay is the upstream request's GetBody: net/http replays the body on a
// new connection.
func (u *upstreamCall) replay() (io.ReadCloser, error) {
	u.bodies.Add(1)
	return io.NopCloser(bytes.NewReader(u.sent)), nil
}

// wroteRequest is the httptrace hook of a write of the request ending,
// with or without an error.
func (u *upstreamCall) wroteRequest(httptrace.WroteRequestInfo) { u.wrote.Add(1) }

// written reports whether net/http has ended every write of the request:
// no body given to it is still being read.
func (u *upstreamCall) written() bool { return u.wrote.Load() >= u.bodies.Load() }

// keep takes u back for later attempts; only storage net/http gave back
// (see upstreamCall) may be kept.
func (c *call) keep(u *upstreamCall) { c.up = u }

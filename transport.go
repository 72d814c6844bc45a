package lifeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lifelinehq/lifeline/wire"
)

// Response headers lifeline adds to every answer that went upstream.
const (
	HeaderRoute     = "X-Lifeline-Route"    // the route's name
	HeaderTarget    = "X-Lifeline-Target"   // the target that served, "provider/model"
	HeaderAttempts  = "X-Lifeline-Attempts" // upstream attempts made
	HeaderRequestID = "X-Request-Id"        // the gateway's request id (the gateway only)
)

// Transport is an http.RoundTripper that sends every generation request
// through a route: the official SDKs (openai-go, anthropic-sdk-go) and any
// *http.Client plug it in and get lifeline's retries, fallbacks, breaker
// and validation. Configure SDKs with max retries 0 and any base URL: the
// route's targets decide where requests go.
//
// It serves POST requests whose path ends in /chat/completions (OpenAI
// dialect) or /v1/messages (Anthropic dialect); other requests fail with
// ErrUnsupportedRequest, and a body over 64 MiB gets a 413 answer.
// Failures come back as HTTP responses in the request's dialect with
// x-should-retry: false, so an SDK surfaces them as its typed errors and
// does not retry on top.
type Transport struct {
	engine *Engine
	route  *Route
}

// Transport returns a RoundTripper that runs requests through route r.
func (e *Engine) Transport(r *Route) *Transport {
	return &Transport{engine: e, route: r}
}

// ErrUnsupportedRequest is returned for requests the Transport does not serve.
var ErrUnsupportedRequest = errors.New("lifeline: transport serves POST …/chat/completions and …/v1/messages only")

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var d wire.Dialect
	switch {
	case req.Method != http.MethodPost:
	case strings.HasSuffix(req.URL.Path, "/chat/completions"):
		d = wire.OpenAI
	case strings.HasSuffix(req.URL.Path, "/v1/messages"):
		// (Not …/threads/{id}/messages, an OpenAI Assistants path.)
		d = wire.Anthropic
	}
	if d == 0 {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("%w: %s %s", ErrUnsupportedRequest, req.Method, req.URL.Path)
	}
	if t.route == nil || len(t.route.targets) == 0 || t.engine == nil || t.engine.store == nil {
		if req.Body != nil {
			req.Body.Close()
		}
		e := badRequest("no route: a Transport needs the *Route that NewRoute returned, from Engine.Transport")
		if t.route != nil && len(t.route.targets) > 0 {
			e = badRequest("no engine: a Transport needs the *Engine that New returned")
		}
		return errorResponse(req, d, nil, e), nil
	}
	x := t.engine.calls.Get().(*pooledCall)
	var body []byte
	if req.Body != nil {
		// One buffer holds the body and, after it, its copy for the first
		// target when only the model changes.
		spare := 0
		if t.route.targets[0].Provider.Kind == d && req.ContentLength > 0 {
			spare = int(req.ContentLength) + t.route.maxModel + 16
		}
		var err error
		body, err = readBodyInto(x.in, req.Body, req.ContentLength, maxRequestBody, spare)
		req.Body.Close()
		x.in = body[:0]
		if errors.Is(err, errBodyTooLarge) {
			// An answer, not an error: an SDK would send it again.
			t.engine.release(x)
			e := NewError(ErrBadRequest, http.StatusRequestEntityTooLarge, "request_too_large",
				fmt.Sprintf("the request body is larger than %d MiB", maxRequestBody>>20))
			return errorResponse(req, d, t.route, e), nil
		}
		if err != nil {
			t.engine.release(x)
			return nil, fmt.Errorf("lifeline: reading request body: %w", err)
		}
	}
	var deadline time.Time
	var err error
	if len(req.Header[HeaderDeadline]) > 0 || len(req.Header[HeaderTimeout]) > 0 {
		if deadline, err = ParseDeadline(req.Header, time.Now()); err != nil {
			t.engine.release(x)
			return errorResponse(req, d, t.route, badRequest(err.Error())), nil
		}
	}
	x.req = Request{
		Dialect: d, Body: body, Header: req.Header,
		Deadline: deadline,
	}
	// Header.Get would canonicalize a constant: index the map directly.
	if v := req.Header["Idempotency-Key"]; len(v) > 0 {
		x.req.IdempotencyKey = v[0]
	}
	if cap(body) > len(body) {
		x.call.spare = body[len(body):len(body):cap(body)]
		body = body[:len(body):len(body)]
		x.req.Body = body
	}
	resp, err := t.engine.do(req.Context(), t.route, &x.req, &x.call)
	if err != nil {
		var out *http.Response
		// A lifeline error is the answer the SDK reads; the caller's own
		// cancel stays an error, as net/http gives it.
		var le *Error
		if errors.As(err, &le) {
			if le.kind != ErrCanceled {
				out, err = errorResponse(req, d, t.route, le), nil
			} else {
				// The error outlives the call's storage, which release
				// clears for the next request: its attempts are copied.
				le.Attempts = slices.Clone(le.Attempts)
			}
		}
		t.engine.release(x)
		return out, err
	}
	// The upstream response's header map is ours to reuse.
	h := resp.Header
	delete(h, "Content-Length")
	delete(h, "Content-Encoding")
	delete(h, "Transfer-Encoding")
	h[HeaderRoute] = t.route.nameHeader
	h[HeaderTarget] = t.route.targets[resp.target].nameHeader
	h[HeaderAttempts] = attemptsHeader(len(resp.Attempts))
	// One allocation holds the response and its body.
	r := &response{resp: http.Response{
		Status: statusLine(resp.Status), StatusCode: resp.Status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h, Request: req,
	}}
	out := &r.resp
	if resp.Stream != nil {
		// The stream uses the call until it is closed: it is not reused.
		b := &streamBody{s: resp.Stream, ctx: req.Context()}
		b.mu.Lock() // contextDone may run at once
		b.stop = context.AfterFunc(b.ctx, b.contextDone)
		b.mu.Unlock()
		out.Body = b
		out.ContentLength = -1
		return out, nil
	}
	r.body.Reset(resp.Body)
	out.Body = &r.body
	out.ContentLength = int64(len(resp.Body))
	t.engine.release(x)
	return out, nil
}

// pooledCall is the storage of one RoundTrip, reused across requests.
type pooledCall struct {
	call call
	req  Request
	in   []byte // the buffer of the request body, when it may be reused
}

// maxRequestBody bounds the request body the Transport reads.
const maxRequestBody = 64 << 20

// maxPooledBody bounds the request body buffer a pooled call keeps.
const maxPooledBody = 64 << 10

// release returns x to the pool; nothing may refer to it any more. The
// request body's buffer is kept unless net/http may still read an
// upstream body made in it.
func (e *Engine) release(x *pooledCall) {
	if x.call.lent || cap(x.in) > maxPooledBody {
		x.in = nil
	}
	x.call.release()
	x.req = Request{}
	e.calls.Put(x)
}

// response is what a served RoundTrip allocates.
type response struct {
	resp http.Response
	body readCloser
}

// statusLine returns the Status text of an http.Response.
func statusLine(code int) string {
	if code == http.StatusOK {
		return "200 OK"
	}
	return strconv.Itoa(code) + " " + http.StatusText(code)
}

// attemptsHeaders holds the X-Lifeline-Attempts values of the common counts.
var attemptsHeaders = func() [][]string {
	out := make([][]string, 16)
	for i := range out {
		out[i] = []string{strconv.Itoa(i)}
	}
	return out
}()

// attemptsHeader returns the header value of n attempts; the common values
// are shared and must not be modified.
func attemptsHeader(n int) []string {
	if n < len(attemptsHeaders) {
		return attemptsHeaders[n]
	}
	return []string{strconv.Itoa(n)}
}

// errorResponse is the HTTP response of a request lifeline did not serve
// (through route r; nil when there is none).
func errorResponse(req *http.Request, d wire.Dialect, r *Route, e *Error) *http.Response {
	body := e.Body(d)
	h := http.Header{}
	if u := e.Upstream; u != nil {
		// A provider's error passed on keeps its headers (request-id, the
		// rate limits), as a served answer does; the framing is ours.
		for k, v := range u.Header {
			switch k {
			case "Content-Length", "Content-Encoding", "Transfer-Encoding", "Connection", "Retry-After":
			default:
				h[k] = v
			}
		}
	}
	h["Content-Type"] = []string{"application/json"}
	h["X-Should-Retry"] = []string{"false"}
	if r != nil {
		h[HeaderRoute] = []string{r.name}
	}
	h[HeaderAttempts] = []string{strconv.Itoa(len(e.Attempts))}
	if e.RetryAfter > 0 {
		h["Retry-After"] = []string{strconv.Itoa(int((e.RetryAfter + time.Second - 1) / time.Second))}
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status)), StatusCode: e.Status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h, Request: req,
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
	}
}

// streamBody reads a Stream as a response body. As net/http's bodies, it
// may be closed from another goroutine while a Read waits: that ends the
// read, and the stream, at once.
//
// When the request's context ends, the stream ends too, whether or not the
// caller reads or closes the body any more: as with net/http's transport,
// a body dropped after a cancel (an SDK that returns the context's error
// and leaves the response behind) releases its attempt, and the request
// is reported once.
type streamBody struct {
	mu     sync.Mutex // held by Read, Close and contextDone while they use s
	s      *Stream
	ctx    context.Context // the caller's request's
	stop   func() bool     // undoes contextDone's registration with ctx
	buf    []byte
	err    error
	closed bool
}

// errReadAfterClose is the error of a read of a closed body.
var errReadAfterClose = errors.New("lifeline: read on closed response body")

func (b *streamBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.fill(); err != nil {
		return 0, err
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

// fill reads the stream until it has bytes for the caller, or returns the
// body's error. b.mu is held.
func (b *streamBody) fill() error {
	for len(b.buf) == 0 {
		if b.closed {
			return errReadAfterClose
		}
		if b.err != nil {
			return b.err
		}
		chunk, err := b.s.Next()
		// The caller cancelled the request, or its context's deadline
		// passed: as net/http's body of such a request, the read fails with
		// the context's error, which the next call returns. The stream's
		// closing error event is for readers that stay (a gateway), not
		// for this caller.
		expired := pastDeadline(b.ctx)
		gone := b.s.canceled || expired || b.ctx.Err() != nil
		if gone && !b.s.interrupted.Load() && err == nil {
			continue
		}
		b.buf = chunk
		switch {
		case err == nil:
		case b.s.interrupted.Load():
			b.err = errReadAfterClose
		case expired:
			b.err = &Error{Code: "deadline_exceeded", Status: http.StatusGatewayTimeout,
				Message: "the request's deadline passed during the stream", kind: ErrDeadlineExceeded, cause: context.DeadlineExceeded}
		case gone && err != io.ErrClosedPipe:
			cause := err
			if !b.s.canceled {
				// The stream ended on its own (err may be io.EOF); the
				// caller's context did not: its cause is the error.
				cause = context.Cause(b.ctx)
			}
			b.err = canceledError(cause, nil)
		default:
			// The error event (if any) came before; the body simply ends.
			b.err = io.EOF
		}
		if b.err != nil {
			b.stop() // the stream has ended: nothing left for contextDone
		}
	}
	return nil
}

// contextDone ends the stream once the request's context has ended, in a
// goroutine of its own: a Read under way sees the end itself, and the lock
// waits for it. What a later Read returns is what it would have returned:
// the bytes it had not taken yet, then the context's error.
func (b *streamBody) contextDone() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.err != nil {
		return
	}
	// The context has ended: fill discards what the stream still yields
	// and ends it (the upstream reads fail at once).
	unread := b.buf
	b.buf = nil
	b.fill()
	b.buf = unread
}

func (b *streamBody) Close() error {
	if !b.mu.TryLock() {
		// A Read waits for the upstream: end the attempt so that it
		// returns, then close once it has.
		b.s.interrupt()
		b.mu.Lock()
	}
	defer b.mu.Unlock()
	b.stop()
	b.closed = true
	return b.s.Close()
}

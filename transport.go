package lifeline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lifelinehq/lifeline/wire"
)

// Response headers lifeline adds to every answer that went upstream.
const (
	HeaderRoute     = "X-Lifeline-Route"    // the route's name
	HeaderTarget    = "X-Lifeline-Target"   // the target that served, "provider/model"
	HeaderAttempts  = "X-Lifeline-Attempts" // upstream attempts made
	HeaderRequestID = "X-Request-Id"
)

// Transport is an http.RoundTripper that sends every generation request
// through a route: the official SDKs (openai-go, anthropic-sdk-go) and any
// *http.Client plug it in and get lifeline's retries, fallbacks, breaker
// and validation. Configure SDKs with max retries 0 and any base URL: the
// route's targets decide where requests go.
//
// It serves POST requests whose path ends in /chat/completions (OpenAI
// dialect) or /messages (Anthropic dialect). Failures come back as HTTP
// responses in the request's dialect with x-should-retry: false, so an SDK
// surfaces them as its typed errors and does not retry on top.
type Transport struct {
	engine *Engine
	route  *Route
}

// Transport returns a RoundTripper that runs requests through route r.
func (e *Engine) Transport(r *Route) *Transport {
	return &Transport{engine: e, route: r}
}

// ErrUnsupportedRequest is returned for requests the Transport does not serve.
var ErrUnsupportedRequest = errors.New("lifeline: transport serves POST …/chat/completions and …/messages only")

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var d wire.Dialect
	switch {
	case req.Method != http.MethodPost:
	case strings.HasSuffix(req.URL.Path, "/chat/completions"):
		d = wire.OpenAI
	case strings.HasSuffix(req.URL.Path, "/messages"):
		d = wire.Anthropic
	}
	if d == 0 {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("%w: %s %s", ErrUnsupportedRequest, req.Method, req.URL.Path)
	}
	var body []byte
	if req.Body != nil {
		var err error
		body, err = readBody(req.Body, req.ContentLength, 64<<20)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("lifeline: reading request body: %w", err)
		}
	}
	deadline, err := ParseDeadline(req.Header, time.Now())
	if err != nil {
		return errorResponse(req, d, t.route, badRequest(err.Error())), nil
	}
	resp, err := t.engine.Do(req.Context(), t.route, &Request{
		Dialect: d, Body: body, Header: req.Header,
		IdempotencyKey: req.Header.Get("Idempotency-Key"), Deadline: deadline,
	})
	if err != nil {
		var le *Error
		if errors.As(err, &le) {
			return errorResponse(req, d, t.route, le), nil
		}
		return nil, err
	}
	h := make(http.Header, len(resp.Header)+3)
	for k, v := range resp.Header {
		if k != "Content-Length" && k != "Content-Encoding" && k != "Transfer-Encoding" {
			h[k] = v
		}
	}
	h[HeaderRoute] = []string{t.route.name}
	h[HeaderTarget] = []string{resp.Target}
	h[HeaderAttempts] = []string{strconv.Itoa(len(resp.Attempts))}
	out := &http.Response{
		Status: fmt.Sprintf("%d %s", resp.Status, http.StatusText(resp.Status)), StatusCode: resp.Status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h, Request: req,
	}
	if resp.Stream != nil {
		out.Body = &streamBody{s: resp.Stream}
		out.ContentLength = -1
		return out, nil
	}
	out.Body = io.NopCloser(bytes.NewReader(resp.Body))
	out.ContentLength = int64(len(resp.Body))
	h["Content-Length"] = []string{strconv.Itoa(len(resp.Body))}
	return out, nil
}

// errorResponse is the HTTP response of a request lifeline did not serve.
func errorResponse(req *http.Request, d wire.Dialect, r *Route, e *Error) *http.Response {
	body := e.Body(d)
	h := http.Header{
		"Content-Type":   {"application/json"},
		"X-Should-Retry": {"false"},
		HeaderRoute:      {r.name},
		HeaderAttempts:   {strconv.Itoa(len(e.Attempts))},
	}
	if e.RetryAfter > 0 {
		h["Retry-After"] = []string{strconv.Itoa(int((e.RetryAfter + time.Second - 1) / time.Second))}
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status)), StatusCode: e.Status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h, Request: req,
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
	}
}

// streamBody reads a Stream as a response body.
type streamBody struct {
	s   *Stream
	buf []byte
	err error
}

func (b *streamBody) Read(p []byte) (int, error) {
	for len(b.buf) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		chunk, err := b.s.Next()
		b.buf = chunk
		if err != nil {
			// The error event (if any) came before; the body simply ends.
			b.err = io.EOF
		}
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

func (b *streamBody) Close() error { return b.s.Close() }

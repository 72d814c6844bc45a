package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/declared"
	"github.com/lifelinehq/lifeline/internal/textclip"
	"github.com/lifelinehq/lifeline/wire"
)

// writeTimeout bounds every write to a client: a client that stops reading
// does not hold a stream (and its upstream) forever.
const writeTimeout = 60 * time.Second

// bodyReadTimeout bounds reading a request body.
const bodyReadTimeout = 60 * time.Second

// generate serves POST /v1/chat/completions (OpenAI) and POST /v1/messages
// (Anthropic).
func (s *Server) generate(d wire.Dialect) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		x := &exchange{s: s, w: w, r: r, d: d, start: time.Now(), id: s.ids.next()}
		w.Header()[lifeline.HeaderRequestID] = []string{x.id}
		if s.state.Load() == draining {
			// No new work once draining: the client's retry goes to another
			// replica, on a new connection (the request body is left
			// unread).
			x.refuse(drainingError(), refusedDraining)
			return
		}
		if !s.enter() {
			// Beyond the cap, as when draining: nothing read, nothing done.
			x.refuse(overloadedError(s.maxInFlight), refusedInFlight)
			return
		}
		defer s.inflight.Add(-1)
		if e := x.admit(); e != nil {
			x.fail(e)
			return
		}
		if x.req.IdempotencyKey != "" {
			s.serveIdempotent(x)
			return
		}
		x.serve(nil)
	}
}

// refuse answers a request the gateway takes no work for, with a
// retryable e, leaving its body unread and closing the connection so that
// the client's retry may go to another replica: failRetry before admit,
// counted by reason.
func (x *exchange) refuse(e *lifeline.Error, reason string) {
	x.failRetry(e, true)
	x.s.metrics.refused.WithLabelValues(reason).Inc()
}

// exchange is one client request being served.
type exchange struct {
	s        *Server
	w        http.ResponseWriter
	r        *http.Request
	d        wire.Dialect
	start    time.Time
	id       string
	key      *clientKey
	route    *lifeline.Route // once admitted
	routeOf  string          // the route the body names, once known; admitted or not
	req      *lifeline.Request
	status   int
	fields   wire.Fields
	resp     *lifeline.Response
	attempts []lifeline.Attempt // of a failed request
	err      error
	bytes    int
	bodyRead bool // the request body was read to its end
	// rec records what serve sends, errors included, for idempotent
	// replay; nil when nothing is recorded.
	rec *recording
	// held is the idempotency claim this request owns, if any.
	held heldClaim
}

// admit checks the key, reads the body and finds the route. Errors here
// are answered without any upstream call.
func (x *exchange) admit() *lifeline.Error {
	s, r := x.s, x.r
	if !s.keys.open() {
		k, ok := s.keys.lookup(r)
		if !ok {
			return lifeline.NewError(lifeline.ErrBadRequest, http.StatusUnauthorized, "authentication_error", missingKey)
		}
		x.key = k
	}
	body, e := x.readBody()
	if e != nil {
		return e
	}
	x.bodyRead = true
	f, err := wire.Peek(body)
	if err != nil {
		return clientError(http.StatusBadRequest, "invalid_request_error", err.Error())
	}
	if f.Model == "" {
		return clientError(http.StatusBadRequest, "invalid_request_error", "model is required: it names a route")
	}
	route, ok := s.routes[f.Model]
	if ok {
		x.routeOf = route.Name() // for the request line of a refusal too
	}
	if !f.HasMessages {
		return clientError(http.StatusBadRequest, "invalid_request_error", "messages must be a non-empty array")
	}
	x.fields = f
	if !ok {
		return clientError(http.StatusNotFound, "model_not_found", "no route named "+strconv.Quote(f.Model)+"; GET /v1/models lists them")
	}
	if !x.key.allows(route.Name()) {
		return lifeline.NewError(lifeline.ErrBadRequest, http.StatusForbidden, "permission_error",
			"this client key may not use route "+strconv.Quote(route.Name()))
	}
	x.route = route
	deadline, err := lifeline.ParseDeadline(r.Header, x.start)
	if err != nil {
		return clientError(http.StatusBadRequest, "invalid_request_error", err.Error())
	}
	x.req = &lifeline.Request{
		ID: x.id, Dialect: x.d, Body: body, Header: r.Header, Fields: &x.fields,
		IdempotencyKey: r.Header.Get("Idempotency-Key"), Deadline: deadline,
		Arrived: x.start, // timeouts.total counts the time spent before the engine starts
	}
	return nil
}

// readBody reads the whole request body, bounded in size and time, before
// any upstream request starts; a gzip-compressed one is decoded, bounded
// in its decoded size, and a leading byte order mark is dropped.
func (x *exchange) readBody() ([]byte, *lifeline.Error) {
	r := x.r
	if r.ContentLength > x.s.maxBody {
		return nil, clientError(http.StatusRequestEntityTooLarge, "request_too_large",
			"request body exceeds limits.max_body ("+strconv.FormatInt(x.s.maxBody, 10)+" bytes)")
	}
	gz, e := gzipped(r.Header)
	if e != nil {
		x.w.Header()["Accept-Encoding"] = []string{"gzip"}
		return nil, e
	}
	_ = http.NewResponseController(x.w).SetReadDeadline(time.Now().Add(bodyReadTimeout))
	body, err := readAll(http.MaxBytesReader(x.w, r.Body, x.s.maxBody), r.ContentLength)
	_ = http.NewResponseController(x.w).SetReadDeadline(time.Time{})
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return nil, clientError(http.StatusRequestEntityTooLarge, "request_too_large",
				"request body exceeds limits.max_body ("+strconv.FormatInt(x.s.maxBody, 10)+" bytes)")
		case errors.Is(err, os.ErrDeadlineExceeded):
			// The connection's error names its addresses: not the client's
			// business.
			return nil, clientError(http.StatusRequestTimeout, "invalid_request_error",
				"the request body did not arrive within "+bodyReadTimeout.String())
		}
		return nil, clientError(http.StatusBadRequest, "invalid_request_error", "reading request body: "+err.Error())
	}
	if gz {
		if body, e = gunzip(body, x.s.maxBody); e != nil {
			return nil, e
		}
	}
	// A UTF-8 byte order mark before the JSON, as PowerShell and some
	// editors write it, is dropped (RFC 8259 §8.1 lets a parser ignore it).
	body, _ = bytes.CutPrefix(body, []byte(utf8BOM))
	return body, nil
}

// utf8BOM is the UTF-8 byte order mark.
const utf8BOM = "\uFEFF"

// readAll reads a request body of n bytes (-1: unknown; a body longer
// than its Content-Length is cut by net/http). A declared length costs no
// memory a client has not sent (see declared.Read).
func readAll(r io.Reader, n int64) ([]byte, error) {
	if n < 0 {
		return io.ReadAll(r)
	}
	return declared.Read(r, n)
}

// serve runs the request through the engine and writes the answer. rec,
// when not nil, records what was sent for idempotent replay.
func (x *exchange) serve(rec *recording) bool {
	x.rec = rec
	resp, err := x.s.engine.Do(x.r.Context(), x.route, x.req)
	if err != nil {
		var le *lifeline.Error
		switch {
		case context.Cause(x.r.Context()) == ErrShuttingDown:
			e := shuttingDown()
			if errors.As(err, &le) {
				e.Attempts = le.Attempts
			}
			x.fail(e)
		case errors.As(err, &le) && !errors.Is(err, lifeline.ErrCanceled):
			x.fail(le)
		default:
			x.status, x.err = 499, err // the client went away
			if errors.As(err, &le) {
				x.attempts = le.Attempts
			}
			x.log()
		}
		return false
	}
	x.resp = resp
	h := x.w.Header()
	setHeaders(h, x.s.redact, x.route.Name(), resp)
	rc := http.NewResponseController(x.w)
	_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	ok := true
	if resp.Stream == nil {
		body := x.s.redact.bytes(resp.Body)
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
		x.w.WriteHeader(resp.Status)
		n, _ := x.w.Write(body)
		x.bytes = n
		rec.capture(resp.Status, h, body, false)
	} else {
		ok = x.stream(rc, resp.Stream, rec)
	}
	x.status = resp.Status
	x.log()
	return ok
}

// stream forwards a stream event by event with a flush each.
func (x *exchange) stream(rc *http.ResponseController, st *lifeline.Stream, rec *recording) bool {
	defer st.Close()
	h := x.w.Header()
	h["Content-Type"] = []string{"text/event-stream"}
	h["Cache-Control"] = []string{"no-cache"}
	h["X-Accel-Buffering"] = []string{"no"}
	x.w.WriteHeader(x.resp.Status)
	rec.capture(x.resp.Status, h, nil, true)
	lastDeadline := time.Now()
	for {
		chunk, err := st.Next()
		if len(chunk) > 0 {
			chunk = x.s.redact.bytes(chunk)
			if now := time.Now(); now.Sub(lastDeadline) > time.Second {
				_ = rc.SetWriteDeadline(now.Add(writeTimeout))
				lastDeadline = now
			}
			n, werr := x.w.Write(chunk)
			x.bytes += n
			if werr != nil {
				// The client did not get it all: nothing to replay.
				rec.discard()
				x.err = werr
				return false
			}
			_ = rc.Flush()
			rec.append(chunk)
		}
		if err == io.EOF {
			return true
		}
		if err != nil {
			x.err = err
			return false
		}
	}
}

// fail answers with a lifeline error.
func (x *exchange) fail(e *lifeline.Error) { x.failRetry(e, false) }

// failRetry is fail with the x-should-retry header given (see
// writeErrorRetry); before the request body was read to its end, the
// connection is closed after it (see closeUnread).
func (x *exchange) failRetry(e *lifeline.Error, retry bool) {
	if !x.bodyRead {
		closeUnread(x.w)
	}
	route := ""
	if x.route != nil {
		route = x.route.Name()
	}
	body := errorHeaders(x.w.Header(), x.s.redact, x.d, route, e, retry)
	if x.rec != nil {
		x.rec.capture(e.Status, x.w.Header(), body, false)
		x.rec.deadline = errors.Is(e, lifeline.ErrDeadlineExceeded)
		// The key is free before the client has the failure: a retry it
		// sends then runs, and does not take the failure for its own.
		x.s.endFailed(x)
	}
	writeErrorBody(x.w, e.Status, body)
	x.status, x.err = e.Status, e
	if len(e.Attempts) > 0 {
		x.attempts = e.Attempts
	}
	x.log()
}

// log writes the request's one log line.
func (x *exchange) log() {
	level := slog.LevelInfo
	if x.err != nil && x.status >= 500 {
		level = slog.LevelWarn
	}
	if !x.s.log.Enabled(x.r.Context(), level) {
		return
	}
	attempts := x.attempts
	target := ""
	if x.resp != nil {
		attempts, target = x.resp.Attempts, x.resp.Target
	}
	route := x.routeOf
	var buf [12]slog.Attr // no allocation for the attribute list
	attrs := append(buf[:0],
		slog.String("id", x.id), slog.String("route", route), slog.String("target", target),
		slog.Int("attempts", len(attempts)), slog.String("classes", classList(attempts)),
		slog.Int("status", x.status), slog.Duration("duration", time.Since(x.start)),
		slog.String("remote", x.r.RemoteAddr))
	if ff := forwardedFor(x.r.Header); ff != "" {
		attrs = append(attrs, slog.String("forwarded_for", ff))
	}
	if cid := clientRequestID(x.r.Header); cid != "" {
		attrs = append(attrs, slog.String("client_request_id", cid))
	}
	if x.req != nil && x.req.IdempotencyKey != "" {
		attrs = append(attrs, slog.Bool("idempotent", true))
	}
	if x.err != nil {
		attrs = append(attrs, slog.String("error", x.err.Error()))
	}
	x.s.log.LogAttrs(x.r.Context(), level, "request", attrs...)
}

// forwardedFor is the request's X-Forwarded-For as it came, its lines
// joined: who a proxy in front says the client is. Logged, never trusted.
func forwardedFor(h http.Header) string {
	switch vs := h["X-Forwarded-For"]; len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	default:
		return strings.Join(vs, ", ")
	}
}

// maxClientRequestID bounds the client's X-Request-Id in a log line.
const maxClientRequestID = 128

// clientRequestID is the X-Request-Id the client (or a proxy in front)
// sent, cut to maxClientRequestID: lifeline answers with its own, and logs
// this one beside it so that the two logs can be matched.
func clientRequestID(h http.Header) string {
	if vs := h[lifeline.HeaderRequestID]; len(vs) > 0 {
		return textclip.Cut(vs[0], maxClientRequestID)
	}
	return ""
}

// classList is the attempts' classes, comma-separated, each as
// lifeline_attempts_total counts it: canceled for one its client abandoned.
func classList(attempts []lifeline.Attempt) string {
	switch len(attempts) {
	case 0:
		return ""
	case 1:
		return logClass(attempts[0])
	}
	var b strings.Builder
	for i, a := range attempts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(logClass(a))
	}
	return b.String()
}

// logClass is the attempt's class in the request line.
func logClass(a lifeline.Attempt) string {
	if a.Canceled {
		return lifeline.ReasonCanceled
	}
	return a.Class.String()
}

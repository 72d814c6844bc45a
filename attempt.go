package lifeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lifelinehq/lifeline/backoff"
	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/internal/declared"
	"github.com/lifelinehq/lifeline/internal/textclip"
	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/validate"
	"github.com/lifelinehq/lifeline/wire"
)

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 1 << 20

// result is one attempt's classified outcome.
type result struct {
	target, n  int
	class      Class
	status     int
	header     http.Header
	body       []byte  // 2xx: the answer in the client's dialect; else the error body
	stream     *Stream // 2xx streams
	err        error
	up         wire.UpstreamError
	retry      classify.Retry
	fail       *validate.Failure
	hint       time.Duration
	hasHint    bool
	spentUntil time.Time
	dur        time.Duration
	end        time.Time // when the attempt was classified
	clientGone bool
	callerCut  bool // cut by a deadline the caller set: the target is not blamed
}

// attempt sends the request to target i (its n-th attempt, starting at
// start) and classifies the outcome into res. A stream that served is
// returned open in res.stream.
func (c *call) attempt(i, n int, start time.Time, res *result) {
	t := &c.r.targets[i]
	res.target, res.n = i, n
	c.send(t, i, n, start, res)
	if res.end.IsZero() {
		res.end = time.Now()
	}
	res.dur = res.end.Sub(start)
	t.scrubResult(res)
	c.record(t, res)
}

// scrubResult removes the provider's credentials from the attempt's error
// (a validation failure that quotes an answer echoing one, a network
// error that names the base URL).
func (t *target) scrubResult(res *result) {
	if res.err == nil || t.secrets.Empty() {
		return
	}
	clean := t.scrubErr(res.err)
	if res.fail != nil && res.err == error(res.fail) {
		res.fail, _ = clean.(*validate.Failure)
	}
	res.err = clean
}

// send makes the attempt and classifies its outcome.
func (c *call) send(t *target, i, n int, start time.Time, res *result) {
	body := c.bodies[i] // built by tryTarget before the attempt was admitted
	if c.e.observer != nil {
		c.emit(Event{Kind: AttemptStarted, Target: t.name, Attempt: n})
	}

	u := c.upstreamStorage()
	actx := &u.ctx
	if c.wd == nil {
		c.wd = c.e.watchdogs.Get().(*watchdog)
		c.wd.reset(c.deadline)
	}
	c.wd.begin(actx, start, start.Add(c.p.Timeouts.Attempt), start.Add(c.p.Timeouts.FirstToken), errFirstTokenTimeout)
	kept := false              // a stream holds the attempt open
	var respBody io.ReadCloser // closed at the end; then net/http has given u back
	defer func() {
		if kept {
			return
		}
		if respBody != nil {
			respBody.Close()
		}
		held := c.wd.end()
		if actx.end(nil) && held && respBody != nil && u.written() {
			c.keep(u) // given back: the next attempt reuses it
		} else {
			c.lent = true
		}
	}()

	h := u.header
	if c.req.Header != nil {
		forwardHeader(h, c.req.Header, t.Provider.Kind)
	}
	for k, v := range t.Provider.Header {
		h[k] = v
	}
	t.setAuth(h)
	h["Content-Type"] = jsonContentType
	u.key[0] = c.key // the header's value, without a slice of its own
	h["Idempotency-Key"] = u.key[:]
	if c.fields.Stream {
		h["Accept"] = eventStreamAccept
	}
	hreq := u.prepare(t.request, body)

	resp, err := c.e.rt.RoundTrip(hreq)
	if err != nil {
		c.noResponse(actx, err, res)
		return
	}
	res.status, res.header = resp.StatusCode, resp.Header
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		respBody = resp.Body
		c.spent(resp.Header, time.Now(), res)
		c.wd.lift()
		res.body, err = readBody(resp.Body, resp.ContentLength, maxErrorBody)
		if err != nil && c.expired() {
			c.noResponse(actx, err, res)
			return
		}
		c.classified(t, res, classify.Signal{Status: resp.StatusCode, Header: resp.Header, Body: res.body})
		return
	}
	if c.fields.Stream && isEventStream(resp.Header) {
		c.spent(resp.Header, time.Now(), res)
		s := c.newStream(i, n, start, resp, actx)
		s.spentUntil = res.spentUntil
		s.prime(res)
		if res.class == classify.OK && !s.complete {
			kept = true
		}
		if res.class == classify.OK {
			// The caller reads the first content event from now on: held
			// back until here, and for a buffered stream until its end.
			c.firstByte = time.Since(c.start)
			res.stream = s
		} else {
			s.closeUpstream()
		}
		return
	}
	respBody = resp.Body
	// The first-token bound ends with the headers. Moving it later costs
	// nothing (see watchdog); the clock is not read for it.
	c.wd.lift()
	res.body, err = readBody(resp.Body, resp.ContentLength, c.e.maxResponse)
	if err != nil {
		c.noResponse(actx, err, res)
		return
	}
	// One clock reading serves the attempt's end and the rate-limit resets:
	// the monotonic clock's alone (time.Now reads the wall clock too).
	res.end = start.Add(time.Since(start))
	c.spent(resp.Header, res.end, res)
	if c.fields.Stream {
		// Another body where a stream was asked for. An error object is an
		// error in disguise, classed as that error; anything else (a
		// server that answered without streaming, a page of HTML) is no
		// answer to a stream request: invalid, as any 2xx body that is
		// not an answer.
		if _, isErr := wire.ParseError(res.body); isErr {
			c.classified(t, res, classify.Signal{Status: resp.StatusCode, Header: resp.Header, Body: res.body, InStream: true})
			return
		}
		res.fail = notAnAnswer(t, errors.New("a stream was asked for and the body is "+
			strconv.Quote(resp.Header.Get("Content-Type"))+", not text/event-stream"))
		res.class, res.err = classify.Invalid, res.fail
		res.retry = classify.ShouldRetry(resp.Header)
		return
	}
	// An empty body, a page of HTML or another kind of object is no
	// answer, whatever the validators would say of it.
	if err := wire.CheckShape(t.Provider.Kind, res.body); err != nil {
		res.fail = notAnAnswer(t, err)
	} else if c.plan != nil {
		outs, perr := wire.ParseOutputs(t.Provider.Kind, res.body)
		if perr != nil {
			res.fail = notAnAnswer(t, perr)
		} else {
			res.fail = checkChoices(c.plan, outs)
		}
	}
	if res.fail != nil {
		// A failure like any other: x-should-retry applies.
		res.class, res.err = classify.Invalid, res.fail
		res.retry = classify.ShouldRetry(resp.Header)
		return
	}
	if t.Provider.Kind != c.req.Dialect {
		tb, terr := c.translateOptions().Response(t.Provider.Kind, c.req.Dialect, res.body)
		if terr != nil {
			res.fail = &validate.Failure{Validator: "format", Reason: "the answer cannot be translated: " + terr.Error()}
			res.class, res.err = classify.Invalid, res.fail
			res.retry = classify.ShouldRetry(resp.Header)
			return
		}
		res.body = tb
		delete(res.header, "Content-Length") // the upstream's, for the body before translation
	}
	res.class = classify.OK
}

// notAnAnswer is the validation failure of a 2xx body that is not an
// answer of t's dialect.
func notAnAnswer(t *target, err error) *validate.Failure {
	return &validate.Failure{Validator: "format", Reason: "the answer is not a valid " + t.Provider.Kind.String() + " response: " + err.Error()}
}

// spent notes a rate limit the response says is spent (see backoff.Spent).
func (c *call) spent(h http.Header, now time.Time, res *result) {
	if until, ok := backoff.Spent(h, now); ok {
		res.spentUntil = until
	}
}

// classified fills res from the dialect's classifier.
func (c *call) classified(t *target, res *result, sig classify.Signal) {
	// Providers sometimes echo the credentials they were sent in an error
	// message or a header; they must not travel on in attempts, errors and
	// logs (the classifier logs an error it cannot place, with the
	// request id a header gives).
	sig.Header, sig.Body = t.scrubHeader(sig.Header), t.scrubBytes(sig.Body)
	r := c.e.classifiers[t.Provider.Kind].Classify(sig)
	res.class, res.retry, res.up = r.Class, r.Retry, r.Error
	res.up.Message = t.scrub(res.up.Message)
	if !sig.InStream {
		res.body = sig.Body
	}
	if res.class != classify.OK {
		res.header = t.scrubHeader(res.header)
	}
	if sig.Header != nil {
		// A 429 says when to come back in its rate-limit headers too; any
		// other answer only through Retry-After (rate-limit resets on a 500
		// say nothing about the failure).
		if h, ok := backoff.RetryHint(sig.Header, time.Now()); ok &&
			(sig.Status == http.StatusTooManyRequests || strings.HasPrefix(h.Source, "retry-after")) {
			res.hint, res.hasHint = h.Wait, true
		}
	}
	switch {
	case sig.Err != nil:
		res.err = sig.Err
	case res.up.Message != "":
		res.err = errors.New(res.up.Message)
	case sig.Status >= 300 && sig.Status < 400 && sig.Header.Get("Location") != "":
		// A redirect: where it points is what the operator needs to mend
		// the target's base URL. The key goes before the cut, which could
		// leave part of it.
		res.err = fmt.Errorf("HTTP %d, a redirect to %s", sig.Status, textclip.Cut(t.scrub(redirectPlace(sig.Header.Get("Location"))), 256))
	case sig.Status != 0:
		res.err = fmt.Errorf("HTTP %d", sig.Status)
	}
}

// noResponse classifies an attempt that got no usable response: the
// request's end, one of the attempt's bounds, or a network error.
func (c *call) noResponse(actx *attemptContext, err error, res *result) {
	if cause := context.Cause(c.ctx); cause != nil {
		res.clientGone = c.callerCause() != nil
		res.class, res.err = classify.Transient, cause
		res.callerCut = c.cutByCaller(cause)
		return
	}
	cause := actx.cause()
	if cause != nil {
		err = cause
	}
	if cause != nil || errors.Is(err, errBodyTooLarge) || errors.Is(err, sse.ErrEventTooLarge) {
		// Lifeline itself ended the attempt (a deadline or bound it
		// enforces, an answer or a stream event over its size limit): a
		// failure of a known kind, not one for the classifier to report as
		// unknown.
		res.class, res.err = classify.Transient, err
		res.callerCut = c.cutByCaller(err)
		return
	}
	t := &c.r.targets[res.target]
	c.classified(t, res, classify.Signal{Status: 0, Err: err})
	res.callerCut = c.cutByCaller(err)
}

// cutByCaller reports whether an attempt that failed with err was cut by a
// deadline the caller set (its context's, or Request.Deadline) rather than
// by one of the route's own bounds. Such a cut says nothing against the
// target: a caller in a hurry must not open a breaker that every other
// caller then finds open.
func (c *call) cutByCaller(err error) bool {
	if errors.Is(c.ctx.Err(), context.DeadlineExceeded) {
		return true
	}
	return c.callerDeadline && errors.Is(err, errTotal)
}

// record appends the attempt to the request's list and notes what decides
// the final error.
func (c *call) record(t *target, res *result) {
	a := Attempt{Target: t.name, Status: res.status, Class: res.class, Duration: res.dur, Canceled: res.clientGone}
	if res.err != nil && res.class != classify.OK {
		a.Err = res.err.Error()
	}
	c.attempts = append(c.attempts, a)
	if res.class == classify.OK {
		return
	}
	c.lastClass, c.lastErr = res.class, res.err
	if res.class == classify.Invalid {
		c.invalid++
	}
	if res.class == classify.TooLarge || res.class == classify.Rejected {
		c.upstream = c.upstreamError(res)
	}
	// The earliest end of a running cool-down decides the wait when every
	// target is cooling, and the final error's Retry-After: this attempt's
	// cool-down (as the store is told), else its hint. One that has ended
	// (the hint of an earlier attempt, waited out) no longer counts.
	u, _ := c.coolDown(res, res.end)
	if u.IsZero() && res.hasHint {
		u = res.end.Add(res.hint)
	}
	// Nothing says to wait for it, or something does; a target the request
	// is too large for will not take it at all.
	c.ready[res.target] = u.IsZero() && res.class != classify.TooLarge
	c.noteCoolUntil(u, res.end)
	if res.class == classify.Wait {
		c.waitUntil = earliest(c.waitUntil, u, res.end)
	}
}

// upstreamError is the provider's error of an attempt, to return as it came.
func (c *call) upstreamError(res *result) *Upstream {
	return &Upstream{Dialect: c.r.targets[res.target].Provider.Kind, Status: errorStatus(res), Header: res.header, Body: res.body}
}

// errorStatus is the HTTP status of an attempt's error: the response's, or
// for an error event inside a 2xx stream, the status the provider gives
// that error when it answers with one.
func errorStatus(res *result) int {
	if res.status >= 400 || res.status == 0 {
		return res.status
	}
	switch res.class {
	case classify.Rejected:
		if res.up.Type == "request_too_large" {
			return http.StatusRequestEntityTooLarge
		}
		return http.StatusBadRequest
	case classify.TooLarge:
		return http.StatusBadRequest
	}
	return res.status
}

// noteCoolUntil keeps until (zero: none) as the earliest end of a running
// cool-down or open breaker, seen at now: an end already past no longer
// counts.
func (c *call) noteCoolUntil(until, now time.Time) {
	c.coolUntil = earliest(c.coolUntil, until, now)
}

// earliest returns the earlier of the ends kept and until (zero: none),
// seen at now: a kept end already past no longer counts.
func earliest(kept, until, now time.Time) time.Time {
	if !until.IsZero() && (kept.IsZero() || until.Before(kept) || !kept.After(now)) {
		return until
	}
	return kept
}

// redirectPlace is where a redirect's Location points, without its query,
// fragment and user information: a redirect that keeps the request's query
// (http:// sent on to https://) would echo a credential the base URL
// carries there (?key=…).
func redirectPlace(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		loc, _, _ = strings.Cut(loc, "?")
		loc, _, _ = strings.Cut(loc, "#")
		if scheme, rest, ok := strings.Cut(loc, "://"); ok {
			// The user information ends at the authority's last @.
			host, path, slash := strings.Cut(rest, "/")
			if i := strings.LastIndexByte(host, '@'); i >= 0 {
				loc = scheme + "://" + host[i+1:]
				if slash {
					loc += "/" + path
				}
			}
		}
		return loc
	}
	query := u.RawQuery != "" || u.ForceQuery
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	if query {
		return u.String() + "?…"
	}
	return u.String()
}

// errBodyTooLarge is the error of a body over its bound.
var errBodyTooLarge = errors.New("body too large")

// readBody reads a whole body of n bytes (-1: unknown) and at most max.
// A declared length beyond declared.UpFront is not allocated before its
// bytes arrive: the body grows with what the upstream sends, so that a
// length it declares and never sends holds no memory.
func readBody(r io.Reader, n, max int64) ([]byte, error) {
	if n > declared.UpFront && n <= max {
		return declared.Read(r, n)
	}
	return readBodyInto(nil, r, n, max, 0)
}

// readBodyInto is readBody into buf's capacity when it suffices, leaving
// spare bytes of capacity after a body of known length.
func readBodyInto(buf []byte, r io.Reader, n, max int64, spare int) ([]byte, error) {
	if n > max {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", errBodyTooLarge, n, max)
	}
	if n >= 0 && n <= max {
		var b []byte
		if int64(cap(buf)) >= n+int64(spare) {
			b = buf[:n]
		} else {
			b = make([]byte, n, n+int64(spare))
		}
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err == nil && int64(len(b)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", errBodyTooLarge, max)
	}
	return b, err
}

func isEventStream(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "text/event-stream"
}

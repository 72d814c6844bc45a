package lifeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/translate"
	"github.com/lifelinehq/lifeline/validate"
	"github.com/lifelinehq/lifeline/wire"
)

// Stream is a served stream: the answer's events in the client's dialect.
// The opening events that carry no model output were held until the first
// content event and come out together with it, so a reroute before the
// first token is invisible. After that, a failure ends the stream with an
// error event in the client's dialect as its last event, never a clean end.
//
// A Stream is used by one goroutine. It must be closed.
type Stream struct {
	c          *call
	resp       *Response
	target     int
	n          int
	ticket     store.Ticket
	up, client wire.Dialect
	body       io.ReadCloser
	rd         *sse.Reader
	actx       *attemptContext
	tr         *translate.Stream // nil when the dialects match
	acc        *wire.Accumulator // nil when nothing is validated
	firstEnd   time.Time         // first-token bound
	start      time.Time         // when the attempt started
	pending    []byte            // events not yet returned
	buf        []byte
	content    bool // a content event was seen
	reported   bool // the outcome is in the store already
	complete   bool // the upstream stream ended (buffered streams end in prime)
	done       bool // Next returns final from now on
	closed     bool
	canceled   bool // the caller went away before the end
	// interrupted is set by interrupt, from another goroutine than the
	// reader's: a read that fails then is the caller's doing.
	interrupted atomic.Bool
	final       error
	err         error             // the broken-stream error, when the stream broke
	fail        *validate.Failure // why the stream failed validation at its end
	spentUntil  time.Time
}

// newStream wraps the event stream of the attempt that started at start:
// its first-token bound counts from then, headers included.
func (c *call) newStream(i, n int, start time.Time, resp *http.Response, actx *attemptContext) *Stream {
	t := &c.r.targets[i]
	s := &Stream{
		c: c, target: i, n: n, up: t.Provider.Kind, client: c.req.Dialect,
		body: resp.Body, rd: sse.NewReader(resp.Body, 0),
		actx:     actx,
		firstEnd: start.Add(c.p.Timeouts.FirstToken),
		start:    start,
	}
	s.rd.OnComment(s.keptAlive)
	if t.Provider.Kind != c.req.Dialect {
		s.tr = c.translateOptions().NewStream(t.Provider.Kind, c.req.Dialect, c.req.Body)
	}
	if c.plan != nil {
		s.acc = wire.NewAccumulator(t.Provider.Kind)
	}
	return s
}

// keptAlive notes a comment line (a keep-alive some servers, OpenRouter
// among them, send while the model works): before the first content event
// it re-arms the idle bound, so the first-token bound alone limits the wait
// for the model's first token. After it, only events count, so comments do
// not hide a stalled answer.
func (s *Stream) keptAlive() {
	if !s.content {
		s.armIdle()
	}
}

// prime reads the stream up to its first content event (or, when the
// stream is buffered, to its end) and classifies what it saw. Nothing has
// reached the client yet, so any failure here may still fall back.
func (s *Stream) prime(res *result) {
	c := s.c
	for {
		s.armIdle()
		ev, err := s.rd.Next()
		if err != nil && !s.endsWhole(err, &ev) {
			c.noResponse(s.actx, s.readErr(err), res)
			return
		}
		if int64(len(s.pending)+len(ev.Raw)) > c.e.maxResponse {
			// What is held back (a buffered stream, or opening events) is
			// bounded like a whole answer.
			c.noResponse(s.actx, fmt.Errorf("%w: stream held back exceeds %d bytes", errBodyTooLarge, c.e.maxResponse), res)
			return
		}
		switch wire.EventKind(s.up, ev) {
		case wire.KindError:
			t := &c.r.targets[s.target]
			data := append([]byte(nil), ev.Data...)
			c.classified(t, res, classify.Signal{Status: res.status, Header: res.header, Body: data, InStream: true})
			// The event's data is the provider's error body: what a rejected
			// request returns.
			res.body = t.scrubBytes(data)
			return
		case wire.KindDone:
			if err := s.add(ev); err != nil {
				s.invalid(res, &validate.Failure{Validator: "format", Reason: err.Error()})
				return
			}
			s.complete = true
			s.markFirst()
			if f := s.check(); f != nil {
				s.invalid(res, f)
				return
			}
			s.closeUpstream()
			res.class = classify.OK
			return
		case wire.KindContent:
			if err := s.add(ev); err != nil {
				s.invalid(res, &validate.Failure{Validator: "format", Reason: err.Error()})
				return
			}
			s.markFirst()
			if s.tr != nil && !s.tr.Output() {
				// Output in the upstream's dialect, none in the client's (a
				// thinking delta toward OpenAI): what is held back is still
				// opening events only, and a failure may still fall back.
				break
			}
			if !c.buffer {
				res.class = classify.OK
				// The caller, not the upstream, has the next move: the time
				// it takes to come back to Next is no gap between upstream
				// events. The attempt's bound and the deadline still hold.
				s.c.wd.lift()
				return
			}
		default:
			if err := s.add(ev); err != nil {
				s.invalid(res, &validate.Failure{Validator: "format", Reason: err.Error()})
				return
			}
		}
	}
}

// invalid classes a stream that failed validation before any byte reached
// the client; its x-should-retry applies, as to any failure.
func (s *Stream) invalid(res *result, f *validate.Failure) {
	res.class, res.fail, res.err = classify.Invalid, f, f
	res.retry = classify.ShouldRetry(res.header)
}

// markFirst notes the first content event: the first-token bound is met.
// The request's time to first token is taken when prime releases the
// stream, which for a buffered stream is its end.
func (s *Stream) markFirst() { s.content = true }

// armIdle bounds the wait for the next event.
func (s *Stream) armIdle() {
	now := time.Now()
	end := now.Add(s.c.p.Timeouts.Idle)
	if !s.content && s.firstEnd.Before(end) {
		s.c.wd.arm(now, s.firstEnd, errFirstTokenTimeout)
		return
	}
	s.c.wd.arm(now, end, errIdleTimeout)
}

// endsWhole reports whether the read that failed with err still ended the
// stream with its whole terminal event (see wire.WholeTerminal), only the
// blank line after it missing; it then closes ev.Raw with that blank line,
// so that the client gets a well-formed last event.
func (s *Stream) endsWhole(err error, ev *sse.Event) bool {
	if err != io.ErrUnexpectedEOF || !wire.WholeTerminal(s.up, *ev) {
		return false
	}
	if !bytes.HasSuffix(ev.Raw, []byte("\n")) {
		ev.Raw = append(ev.Raw, '\n')
	}
	ev.Raw = append(ev.Raw, '\n')
	return true
}

// readErr turns a read error into the attempt's cause: a bound that
// cancelled it, or a stream cut without its terminal event.
func (s *Stream) readErr(err error) error {
	if cause := s.actx.cause(); cause != nil {
		return s.c.deadlineCause(cause)
	}
	if err == io.EOF {
		return errNoTerminal
	}
	return err
}

// errNoTerminal is the cause of a stream that closed cleanly without its
// terminal event: a cut stream, which matches io.ErrUnexpectedEOF, said in
// words that do not read as a dropped connection. They do not quote the
// event ([DONE]) either, which a client scanning the error event for it
// could take for a clean end.
var errNoTerminal error = noTerminal{}

type noTerminal struct{}

func (noTerminal) Error() string { return "the provider's stream ended without its terminal event" }

// Unwrap makes a stream without its terminal event an io.ErrUnexpectedEOF.
func (noTerminal) Unwrap() error { return io.ErrUnexpectedEOF }

// add folds an upstream event into validation and appends its
// client-dialect form to the pending bytes.
func (s *Stream) add(ev sse.Event) error {
	if s.acc != nil {
		s.acc.Add(ev)
	}
	if s.tr == nil {
		s.pending = append(s.pending, ev.Raw...)
		if len(ev.Raw) > 0 && ev.Raw[len(ev.Raw)-1] != '\n' {
			s.pending = append(s.pending, '\n')
		}
		return nil
	}
	var err error
	s.pending, err = s.tr.Event(s.pending, ev)
	return err
}

// check validates what the stream said.
func (s *Stream) check() *validate.Failure {
	if s.acc == nil {
		return nil
	}
	return checkChoices(s.c.plan, s.acc.Outputs())
}

// checkChoices validates every choice's output (OpenAI n > 1 answers with
// several) and returns the first failure. With several choices the reason
// names the failing one.
func checkChoices(p *validate.Plan, outs []wire.Output) *validate.Failure {
	for i := range outs {
		f := p.Check(&outs[i])
		if f == nil {
			continue
		}
		if len(outs) > 1 {
			f = &validate.Failure{Validator: f.Validator, Reason: fmt.Sprintf("choices[%d]: %s", i, f.Reason)}
		}
		return f
	}
	return nil
}

// Next returns the next events of the answer as framed SSE bytes (one or
// more events), valid until the following call. At the end it returns
// io.EOF; after a broken stream's error event it returns an *Error that
// matches ErrBrokenStream, and after the error event of a stream whose
// request context was cancelled, the context's cause. After Close before
// the end it returns io.ErrClosedPipe.
func (s *Stream) Next() ([]byte, error) {
	if len(s.pending) > 0 {
		s.buf, s.pending = s.pending, s.buf[:0]
		return s.buf, nil
	}
	if s.done {
		return nil, s.final
	}
	if s.complete {
		s.end(nil)
		return nil, s.final
	}
	for {
		s.armIdle()
		ev, err := s.rd.Next()
		if err != nil && !s.endsWhole(err, &ev) {
			if s.interrupted.Load() {
				s.abandon(io.ErrClosedPipe)
				return nil, io.ErrClosedPipe
			}
			if cause := s.c.callerCause(); cause != nil {
				// The caller cancelled: the target is not to blame. Whoever
				// still reads (a gateway cutting its streams at shutdown)
				// gets the stream's error event, then the cause.
				s.abandon(cause)
				return s.errorEvent("lifeline: stream cancelled: " + cause.Error()), nil
			}
			return s.broken(classify.Transient, s.readErr(err), nil)
		}
		switch wire.EventKind(s.up, ev) {
		case wire.KindError:
			t := &s.c.r.targets[s.target]
			ev.Data = t.scrubBytes(ev.Data)
			r := s.c.e.classifiers[s.up].Classify(classify.Signal{Status: 200, Body: ev.Data, InStream: true})
			msg := t.scrub(r.Error.Message)
			if msg == "" {
				msg = "upstream error event"
			}
			if s.tr == nil {
				// The provider's error, framed anew: an Anthropic error event
				// may come without its event line, which a client needs to
				// see it as one.
				name := string(ev.Name)
				if s.up == wire.Anthropic {
					name = "error"
				}
				s.pending = sse.AppendEvent(s.pending, name, ev.Data)
			} else if err := s.add(ev); err != nil || len(s.pending) == 0 {
				s.pending = s.errorEvent(brokenMessage(msg))
			}
			return s.broken(r.Class, errors.New(msg), s.takePending())
		case wire.KindDone:
			if f := s.check(); f != nil {
				// The reason may quote the answer, which may echo a
				// credential.
				if sf, ok := s.c.r.targets[s.target].scrubErr(f).(*validate.Failure); ok {
					f = sf
				}
				s.fail = f // reported with the attempt's end
				return s.broken(classify.Invalid, f, nil)
			}
			if err := s.add(ev); err != nil {
				return s.broken(classify.Invalid, err, nil)
			}
			s.complete = true
			s.end(nil)
			return s.takeOrEnd()
		default:
			if err := s.add(ev); err != nil {
				return s.broken(classify.Invalid, err, nil)
			}
			if s.acc != nil && s.acc.Held() > s.c.e.maxResponse {
				// What validation keeps is bounded like a whole answer. The
				// event past the bound is not sent: the error event is the
				// stream's last.
				s.pending = s.pending[:0]
				return s.broken(classify.Transient, fmt.Errorf("%w: stream answer kept for validation exceeds %d bytes",
					errBodyTooLarge, s.c.e.maxResponse), nil)
			}
			if len(s.pending) > 0 {
				s.c.wd.lift() // the caller has the next move (see prime)
				return s.takePending(), nil
			}
		}
	}
}

func (s *Stream) takePending() []byte {
	s.buf, s.pending = s.pending, s.buf[:0]
	return s.buf
}

func (s *Stream) takeOrEnd() ([]byte, error) {
	if len(s.pending) > 0 {
		return s.takePending(), nil
	}
	return nil, s.final
}

// errorType is the generic server-side error type of a dialect.
func errorType(d wire.Dialect) string {
	if d == wire.Anthropic {
		return "api_error"
	}
	return "server_error"
}

// errorEvent is the broken_stream error event that ends a cut stream, in
// the client's dialect.
func (s *Stream) errorEvent(msg string) []byte {
	return wire.StreamErrorEvent(s.client, errorType(s.client), "broken_stream", msg)
}

// broken ends a stream that failed after bytes reached the client: it
// returns the error event to send last, and every later call returns the
// broken-stream error.
func (s *Stream) broken(cl Class, cause error, ev []byte) ([]byte, error) {
	cause = s.c.r.targets[s.target].scrubErr(cause)
	if ev == nil {
		ev = s.errorEvent(brokenMessage(cause.Error()))
	}
	c := s.c
	a := &c.attempts[len(c.attempts)-1]
	a.Class, a.Err = classify.BrokenStream, cause.Error()
	s.err = &Error{Code: "broken_stream", Status: 502, Message: cause.Error(), Attempts: c.attempts,
		kind: ErrBrokenStream, cause: cause}
	s.c.lastClass = classify.BrokenStream
	s.end(&brokenOutcome{class: cl, callerCut: c.cutByCaller(cause)})
	return ev, nil
}

// brokenMessage is the message of a broken stream's error event: why it
// broke, after ErrBrokenStream's text (once: a cause of lifeline's own
// says "lifeline:" already).
func brokenMessage(cause string) string {
	return ErrBrokenStream.Error() + ": " + strings.TrimPrefix(cause, "lifeline: ")
}

// brokenOutcome is how a broken stream ended: its class, and whether a
// deadline of the caller's cut it (the target is then not blamed).
type brokenOutcome struct {
	class     Class
	callerCut bool
}

// end closes the upstream side and reports the stream's outcome once.
func (s *Stream) end(b *brokenOutcome) {
	if s.done {
		return
	}
	s.done = true
	s.final = io.EOF
	if s.err != nil {
		s.final = s.err
	}
	s.closeUpstream()
	c := s.c
	t := &c.r.targets[s.target]
	o, cl := breaker.Success, classify.OK
	if b != nil {
		o, cl = outcomeOf(b.class), b.class
		if b.callerCut {
			o = breaker.Neutral
		}
	}
	if !s.reported {
		s.reported = true
		c.report(t.name, s.ticket, &result{n: s.n, class: cl, spentUntil: s.spentUntil}, o)
		if b != nil {
			cl = classify.BrokenStream
		}
		s.finished(cl, false)
	}
	c.finish(s.resp, nil)
}

// finished reports the end of a stream that was served before its end:
// its attempt's AttemptFinished waits for it, so that the attempt is
// counted once, with the class it ended with, or none when the caller
// went away (gone).
func (s *Stream) finished(cl Class, gone bool) {
	res := result{n: s.n, class: cl, dur: time.Since(s.start), err: s.err, fail: s.fail, clientGone: gone}
	if s.resp != nil {
		res.status = s.resp.Status
	}
	s.c.emitFinished(s.c.r.targets[s.target].name, s.n, &res, 0)
}

// closeUpstream releases the upstream response and the attempt's bounds.
func (s *Stream) closeUpstream() {
	if s.closed {
		return
	}
	s.closed = true
	if s.c.wd != nil {
		s.c.wd.end()
	}
	s.actx.end(nil)
	s.body.Close()
}

// Close ends the stream. Closing before the end (the client went away)
// cancels the upstream attempt at once; the target is not blamed. It
// returns nil, and may be called more than once.
func (s *Stream) Close() error {
	s.pending = s.pending[:0] // nobody reads what was held back any more
	if s.done {
		s.closeUpstream()
		return nil
	}
	s.abandon(io.ErrClosedPipe)
	return nil
}

// abandon ends a stream nobody reads to its end any more: the upstream
// attempt is cancelled, the target is not blamed, and Next returns final.
func (s *Stream) abandon(final error) {
	s.done, s.canceled = true, true
	s.final = final
	s.closeUpstream()
	c := s.c
	if !s.reported {
		s.reported = true
		c.report(c.r.targets[s.target].name, s.ticket, &result{n: s.n, class: classify.OK}, breaker.Neutral)
		s.finished(0, true) // the caller left: the target is not to blame
		if n := len(c.attempts); n > 0 {
			c.attempts[n-1].Canceled = true // the serving attempt, last
		}
	}
	c.finish(s.resp, context.Canceled)
}

// interrupt ends the upstream attempt from another goroutine than the
// reader's, so that a read blocked in Next returns (it then abandons the
// stream: the target is not blamed). It touches only what is safe to touch
// concurrently; the reader's goroutine still owns the rest.
func (s *Stream) interrupt() {
	s.interrupted.Store(true)
	s.actx.end(io.ErrClosedPipe)
}

// Err returns the broken-stream error, or nil.
func (s *Stream) Err() error { return s.err }

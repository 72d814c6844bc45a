package lifeline

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/lifelinehq/lifeline/wire"
)

// Sentinels matched by errors.Is on the errors Engine.Do returns.
var (
	// ErrUpstreamUnavailable: every target failed with retryable classes, or
	// every target was skipped (breaker open, cooling down, budget empty).
	ErrUpstreamUnavailable = errors.New("lifeline: upstream unavailable")
	// ErrAllTargetsFailed is ErrUpstreamUnavailable under another name.
	//
	// Deprecated: use ErrUpstreamUnavailable, the name that matches the
	// error's code (upstream_unavailable).
	ErrAllTargetsFailed = ErrUpstreamUnavailable
	// ErrInvalidOutput: every target answered, and every answer failed validation.
	ErrInvalidOutput = errors.New("lifeline: invalid output")
	// ErrDeadlineExceeded: the request's deadline (timeouts.total, the
	// caller's deadline or context) was reached, or a wait would overrun it.
	ErrDeadlineExceeded = errors.New("lifeline: deadline exceeded")
	// ErrRejected: the provider rejected the request itself (or no target
	// could take its size); its error is returned as it came.
	ErrRejected = errors.New("lifeline: request rejected by provider")
	// ErrBrokenStream: a stream failed after bytes reached the client.
	ErrBrokenStream = errors.New("lifeline: stream broken after first byte")
	// ErrBadRequest: the request cannot be sent at all (malformed body, no
	// route, a schema that does not compile). No upstream call was made.
	ErrBadRequest = errors.New("lifeline: bad request")
	// ErrCanceled: the caller's context was cancelled (not by a deadline)
	// before the request was served. The error also matches the context's
	// cause (context.Canceled, or the cause given to its cancel function).
	ErrCanceled = errors.New("lifeline: request canceled")
)

// Attempt is one upstream attempt of a request.
type Attempt struct {
	Target   string        // "provider/model"
	Status   int           // upstream HTTP status; 0 when no response came
	Class    Class         // its class in the taxonomy
	Err      string        // what went wrong; empty for ok
	Duration time.Duration // from sending the request to its classification
	Wait     time.Duration // the wait chosen after it before the next attempt
	// Canceled: the caller abandoned the attempt (it cancelled, or closed
	// the stream before its end). Class is then what the cut made of it;
	// the attempt's event has no class and the Reason ReasonCanceled, and
	// it says nothing of the target.
	Canceled bool
}

// Upstream is a provider's error response returned as it came (a rejected
// request, or a too_large one no target could take).
type Upstream struct {
	Dialect wire.Dialect // the dialect of Body
	Status  int
	Header  http.Header
	Body    []byte
}

// Error is the error of a request that was not served. It lists every
// attempt, matches one of the sentinels with errors.Is, and unwraps to the
// last cause.
type Error struct {
	// Code is the error type returned to clients: upstream_unavailable,
	// invalid_output, deadline_exceeded, broken_stream,
	// invalid_request_error (a bad request, or one every target rejected
	// or found too large), or the provider's own type for a request
	// stopped as rejected; canceled when the caller went away (nobody
	// reads an answer to it).
	Code string
	// Status is the HTTP status a gateway answers with: 503
	// upstream_unavailable, 502 invalid_output and broken_stream, 504
	// deadline_exceeded, 400 a bad request, the provider's status for a
	// rejected one, 499 when canceled.
	Status  int
	Message string
	// Attempts lists every upstream attempt, in order.
	Attempts []Attempt
	// RetryAfter is how long the caller should wait before trying again:
	// until the earliest time a target of the route may take a request,
	// when every target is held back by a cool-down (a rate-limit hint, a
	// spent quota) or an open breaker. Zero when one may take a request at
	// once (it failed without a cool-down, or its half-open breaker's
	// probes may end any moment) or no time is known; set only on
	// upstream_unavailable errors.
	RetryAfter time.Duration
	// Upstream is set for rejected and too_large requests.
	Upstream *Upstream
	kind     error // the sentinel
	cause    error // the last cause
}

// NewError returns an Error of the given sentinel kind with no attempts:
// for errors a caller answers before any upstream call.
func NewError(kind error, status int, code, message string) *Error {
	return &Error{Code: code, Status: status, Message: message, kind: kind}
}

// canceledError is the error of a request its caller abandoned, cause
// being why; attempts are those made until then.
func canceledError(cause error, attempts []Attempt) *Error {
	return &Error{Code: "canceled", Status: 499, Message: cause.Error(),
		Attempts: attempts, kind: ErrCanceled, cause: cause}
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	if e.kind != nil {
		b.WriteString(e.kind.Error())
	} else {
		b.WriteString("lifeline: " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		// A message that is an error of lifeline's own says "lifeline:"
		// already, as the text before it does.
		b.WriteString(strings.TrimPrefix(e.Message, "lifeline: "))
	}
	if n := len(e.Attempts); n > 0 {
		last := e.Attempts[n-1]
		outcome := last.Class.String()
		if last.Canceled {
			// As its event, the gateway's log and metrics name it: the
			// class its cut gave it says nothing of the target.
			outcome = ReasonCanceled
		}
		fmt.Fprintf(&b, " (%d attempts; last %s %s", n, last.Target, outcome)
		if last.Status != 0 {
			fmt.Fprintf(&b, " %d", last.Status)
		}
		b.WriteString(")")
	}
	return b.String()
}

// Is reports whether target is this error's sentinel.
func (e *Error) Is(target error) bool { return target == e.kind }

// Unwrap returns the last cause.
func (e *Error) Unwrap() error { return e.cause }

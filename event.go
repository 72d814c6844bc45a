package lifeline

import (
	"time"

	"github.com/lifelinehq/lifeline/breaker"
)

// EventKind says what an Event reports.
type EventKind uint8

// Event kinds.
const (
	// AttemptStarted: an upstream attempt is about to be sent.
	AttemptStarted EventKind = iota + 1
	// AttemptFinished: an attempt was classified (Class, Status, Wait chosen
	// after it, Duration). A stream served before its end reports it when
	// the stream ends, with the class it ended with. An attempt the caller
	// abandoned (it cancelled, or closed the stream before its end) has no
	// Class and the Reason ReasonCanceled.
	AttemptFinished
	// TargetSkipped: a target was not tried (Reason: cooling, open,
	// probing, no_budget, untranslatable).
	TargetSkipped
	// FallbackTaken: the request moved from Target to the next target
	// (Reason: the class that caused it, or the skip reason).
	FallbackTaken
	// BreakerChanged: a target's breaker changed state (From, To).
	BreakerChanged
	// BudgetExhausted: a retry was refused because the target's retry budget
	// was empty.
	BudgetExhausted
	// ValidationFailed: a 2xx answer failed a validator (Validator, Err).
	ValidationFailed
	// RequestFinished: the request ended (Class: ok, or the class that
	// decided the failure, or none with Reason ReasonCanceled; Status: what
	// the client gets; Duration: total; FirstToken: time to the first byte
	// for streams).
	RequestFinished
	// StoreFailed: the state store could not be reached; the engine carried
	// on with the request (Err).
	StoreFailed
)

// Event is one observable step of a request. Fields that do not apply to
// the Kind are zero.
type Event struct {
	Kind       EventKind
	Time       time.Time     // when the step happened
	RequestID  string        // Request.ID
	Route      string        // the route's name
	Target     string        // "provider/model"
	Attempt    int           // attempt number on Target, from 1
	Class      Class         // the attempt's or the request's class
	Status     int           // upstream HTTP status; RequestFinished: the client's
	Wait       time.Duration // the wait chosen after an attempt
	Duration   time.Duration // an attempt's, or the whole request's
	FirstToken time.Duration // RequestFinished of a stream: time to its first byte
	// Reason says why: a skip reason (cooling, open, probing, no_budget,
	// untranslatable), the class behind a fallback, the error code of a
	// failed request (upstream_unavailable…), or ReasonCanceled.
	Reason    string
	Validator string        // ValidationFailed: the validator that refused
	From, To  breaker.State // BreakerChanged
	Stream    bool          // the request asked for a stream
	Err       error         // what went wrong, when something did
	// Attempts is the number of upstream attempts the request made
	// (RequestFinished only).
	Attempts int
}

// ReasonCanceled is the Reason of an AttemptFinished or RequestFinished
// event of a request its caller abandoned: it cancelled the request's
// context, or closed a stream before its end. Such events have no Class.
const ReasonCanceled = "canceled"

// Observer receives engine events. It runs synchronously on the goroutine
// that does the request's work (the caller's, or for a stream, the one
// reading or closing it; when a Transport stream's request context ends
// while nobody reads it, the goroutine that ends it), so concurrent
// requests call it concurrently: it must be safe for concurrent use, fast,
// and never block. An event is the observer's only
// for the call: the Transport reuses a request's storage once the request
// ends, so copy what you keep. The *Error of a RequestFinished event is the
// observer's own, its Attempts included, and may be kept.
type Observer func(Event)

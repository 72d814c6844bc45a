// Package breaker is the circuit breaker's state machine: closed, open and
// half-open, with a failure-rate window, a consecutive-failure trip,
// cool-downs that double on each re-open, half-open probes and generations.
//
// The machine is a plain value with no clock and no lock: the caller passes
// the time and persists the value. Stores (memory, Redis) hold one Breaker
// per target and apply these methods atomically. State changes happen
// lazily when a method sees that a deadline has passed; there is no timer.
package breaker

import (
	"fmt"
	"time"
)

// State is a breaker state. Its numeric value is the one exported by the
// lifeline_breaker_state metric.
type State uint8

// Breaker states.
const (
	Closed   State = 0 // attempts pass; outcomes are counted
	HalfOpen State = 1 // a few probes pass; the rest are refused
	Open     State = 2 // every attempt is refused until the cool-down ends
)

// String returns "closed", "half_open" or "open".
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case HalfOpen:
		return "half_open"
	case Open:
		return "open"
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// Config is an immutable breaker policy.
type Config struct {
	Window              time.Duration // failure-rate window (default 30s)
	MinRequests         int           // counted attempts in the window before the rate applies (10)
	FailureRate         float64       // trip when failures/attempts ≥ this (0.5)
	ConsecutiveFailures int           // trip after this many failures in a row (5)
	Cooldown            time.Duration // first open period (30s); doubles on each re-open
	MaxCooldown         time.Duration // cap of the doubling (5m)
	HalfOpenProbes      int           // attempts admitted while half-open (1)
	// ProbeLease bounds how long an admitted probe may stay out. A probe not
	// reported within it (its holder crashed) frees its slot.
	ProbeLease time.Duration
}

// Buckets is the number of slots the failure-rate window is divided into.
const Buckets = 10

// Counts are the outcomes counted in one window slot.
type Counts struct {
	Requests uint32
	Failures uint32
}

// Breaker is one target's breaker. The zero value is a closed breaker.
// Fields are exported so that stores can persist them; change them only
// through the methods.
type Breaker struct {
	State       State
	Generation  uint64        // incremented on every state change
	Until       time.Time     // Open: when half-open begins
	Cooldown    time.Duration // the open period used last (0: never opened)
	Probes      int           // HalfOpen: probes out
	ProbeSince  time.Time     // HalfOpen: when the oldest outstanding probe was admitted
	Consecutive int           // failures in a row (Closed)
	Slots       [Buckets]Counts
	SlotStart   time.Time // start of the newest slot
}

// Ticket is the answer to Allow. Pass it back to Done.
type Ticket struct {
	Allowed    bool
	Probe      bool   // admitted as a half-open probe
	Generation uint64 // the generation the attempt started in
	State      State  // the state seen (after any lazy change)
	// Until is when a refusal may end (refused tickets only): the end of
	// the cool-down (Open), or of the oldest probe's lease (HalfOpen).
	Until time.Time
	// Since names the set of probes a probe was admitted in (probe tickets
	// only): the set's ProbeSince. A probe whose lease ran out, its slot
	// taken by a newer set, frees no slot with a neutral outcome.
	Since time.Time
}

// Outcome is what an attempt's result means to the breaker.
type Outcome uint8

// Outcomes.
const (
	Success Outcome = iota + 1 // closes a half-open breaker; resets the run of failures
	Failure                    // counts toward tripping; re-opens a half-open breaker
	Neutral                    // not counted (rejected, too_large, wait…); frees a probe slot
)

// Transition is a state change caused by a method call.
type Transition struct {
	From, To State
}

// Changed reports whether the state changed.
func (t Transition) Changed() bool { return t.From != t.To }

// Allow decides whether an attempt may start at now. An open breaker whose
// cool-down has ended turns half-open first (the returned Transition says
// so). A closed breaker admits every attempt; a half-open one admits up to
// HalfOpenProbes probes at a time; the rest, and every attempt on an open
// breaker, are refused with Until set to when the refusal may end.
func (b *Breaker) Allow(c Config, now time.Time) (Ticket, Transition) {
	c = c.WithDefaults()
	from := b.State
	if b.State == Open && !now.Before(b.Until) {
		b.toHalfOpen()
	}
	tr := Transition{From: from, To: b.State}
	switch b.State {
	case Open:
		return Ticket{Generation: b.Generation, State: Open, Until: b.Until}, tr
	case HalfOpen:
		b.expireProbes(c, now)
		if b.Probes >= c.HalfOpenProbes {
			return Ticket{Generation: b.Generation, State: HalfOpen, Until: b.ProbeSince.Add(c.ProbeLease)}, tr
		}
		if b.Probes == 0 {
			b.ProbeSince = now
		}
		b.Probes++
		return Ticket{Allowed: true, Probe: true, Generation: b.Generation, State: HalfOpen, Since: b.ProbeSince}, tr
	default:
		return Ticket{Allowed: true, Generation: b.Generation, State: b.State}, tr
	}
}

// Done records the outcome of an attempt admitted by t. An outcome whose
// ticket generation is not the current one is ignored (the state changed
// while the attempt ran), and so is a ticket that was not allowed.
//
// Closed: Success and Failure are counted in the window, and the breaker
// trips once the window holds MinRequests attempts at FailureRate or
// worse, or ConsecutiveFailures failures in a row, whichever outcome came
// last; Neutral counts nothing. Half-open: a probe's Success
// closes the breaker, its Failure re-opens it with a doubled cool-down,
// and Neutral frees the probe's slot.
func (b *Breaker) Done(c Config, now time.Time, t Ticket, o Outcome) Transition {
	c = c.WithDefaults()
	from := b.State
	if !t.Allowed || t.Generation != b.Generation {
		return Transition{From: from, To: from}
	}
	switch b.State {
	case Closed:
		switch o {
		case Success:
			b.record(c, now, false)
			b.Consecutive = 0
		case Failure:
			b.record(c, now, true)
			b.Consecutive++
		default:
			return Transition{From: from, To: from}
		}
		// A success may be the attempt that brings the window to
		// MinRequests with the failure rate already at FailureRate.
		if b.tripped(c) {
			b.toOpen(now, c.Cooldown)
		}
	case HalfOpen:
		if !t.Probe {
			break
		}
		switch o {
		case Success:
			b.toClosed()
		case Failure:
			b.toOpen(now, b.nextCooldown(c))
		case Neutral:
			// A probe of an earlier set (its lease ran out, and a newer
			// set took the slots) holds none of them.
			if t.Since.Equal(b.ProbeSince) {
				b.freeProbe()
			}
		}
	}
	return Transition{From: from, To: b.State}
}

// Peek returns the state at now, applying a due open → half-open change to
// the returned value only.
func (b Breaker) Peek(c Config, now time.Time) State {
	if b.State == Open && !now.Before(b.Until) {
		return HalfOpen
	}
	return b.State
}

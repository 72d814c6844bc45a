package lifeline

import (
	"fmt"

	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/wire"
)

// Class is one row of the failure taxonomy; see package classify.
type Class = classify.Class

// Dialect is a wire format: OpenAI or Anthropic.
type Dialect = wire.Dialect

// The dialects.
const (
	OpenAI    = wire.OpenAI
	Anthropic = wire.Anthropic
)

// Action is what the engine does after an attempt of a given class.
type Action uint8

// Actions. Every class but ok and broken_stream has a configurable action.
const (
	// Retry retries the same target with backoff up to MaxAttempts, then
	// moves to the next target.
	Retry Action = iota + 1
	// Wait waits for the provider's hint, then retries the same target if
	// the wait fits MaxWait and the deadline; otherwise moves on at once.
	Wait
	// Next moves to the next target at once.
	Next
	// Reroute moves to the next target at once; the target is retried with
	// backoff only when no other target is left.
	Reroute
	// Stop returns the error to the caller: no retry, no fallback.
	Stop
)

var actionNames = [...]string{Retry: "retry", Wait: "wait", Next: "next", Reroute: "reroute", Stop: "stop"}

// String returns the action's config name.
func (a Action) String() string {
	if int(a) < len(actionNames) && actionNames[a] != "" {
		return actionNames[a]
	}
	return fmt.Sprintf("action(%d)", uint8(a))
}

// MarshalText encodes the action as its config name.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// ParseAction parses a config name: retry, wait, next, reroute or stop.
func ParseAction(s string) (Action, error) {
	for a, n := range actionNames {
		if n == s && n != "" {
			return Action(a), nil
		}
	}
	return 0, fmt.Errorf("lifeline: unknown action %q (want retry, wait, next, reroute or stop)", s)
}

// Actions maps each class to its action. The zero value means the defaults
// of the taxonomy.
type Actions struct {
	set [16]Action
}

// DefaultAction returns the taxonomy's default action for c.
func DefaultAction(c Class) Action {
	switch c {
	case classify.Wait:
		return Wait
	case classify.Overloaded:
		return Reroute
	case classify.Transient:
		return Retry
	case classify.Rejected:
		return Stop
	}
	return Next // invalid, exhausted, too_large, auth, not_found
}

// With returns a copy of a with c's action set to act. It returns a
// unchanged and an error for ok and broken_stream, whose actions are
// fixed, for an unknown class or action, and for any action of
// classify.Rejected but Stop and Next: a rejected request is never
// retried.
func (a Actions) With(c Class, act Action) (Actions, error) {
	if c == classify.OK || c == classify.BrokenStream {
		return a, fmt.Errorf("the action of class %s cannot be changed", c)
	}
	if c == classify.Rejected && act != Stop && act != Next {
		return a, fmt.Errorf("class rejected allows only stop or next (a rejected request is never retried)")
	}
	if int(c) >= len(a.set) || act == 0 || int(act) >= len(actionNames) {
		return a, fmt.Errorf("invalid class %v or action %v", c, act)
	}
	a.set[c] = act
	return a, nil
}

// For returns the action for class c.
func (a Actions) For(c Class) Action {
	if int(c) < len(a.set) && a.set[c] != 0 {
		return a.set[c]
	}
	return DefaultAction(c)
}

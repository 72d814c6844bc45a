package config

import (
	"fmt"

	"github.com/lifelinehq/lifeline/classify"
)

// Action is what a route does about an attempt's failure class.
type Action uint8

// The actions, as named in configuration (routes[].actions).
const (
	// ActionRetry retries the same target with backoff up to
	// retry.max_attempts, then moves to the next target.
	ActionRetry Action = iota + 1
	// ActionWait waits for the provider's hint, then retries the same target
	// if the wait fits retry.max_wait and the deadline; else next target.
	ActionWait
	// ActionNext moves to the next target at once.
	ActionNext
	// ActionReroute moves to the next target at once; this target is
	// retried with backoff only when no other target is left.
	ActionReroute
	// ActionStop returns the error to the client: no retry, no fallback.
	ActionStop
)

// actionNames lists the actions' config names in order.
func actionNames() []string { return []string{"retry", "wait", "next", "reroute", "stop"} }

// String returns the action's config name.
func (a Action) String() string {
	if a >= ActionRetry && a <= ActionStop {
		return actionNames()[a-1]
	}
	return fmt.Sprintf("action(%d)", uint8(a))
}

// MarshalText encodes the action as its name.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// ParseAction parses an action's config name.
func ParseAction(s string) (Action, error) {
	for i, n := range actionNames() {
		if n == s {
			return Action(i + 1), nil
		}
	}
	return 0, &problem{msg: fmt.Sprintf("unknown action %q", s), fix: choiceFix(s, actionNames())}
}

// ConfigurableClasses returns the classes whose action a route may set:
// every class but ok and broken_stream, in taxonomy order.
func ConfigurableClasses() []classify.Class {
	var out []classify.Class
	for _, c := range classify.All {
		if c != classify.OK && c != classify.BrokenStream {
			out = append(out, c)
		}
	}
	return out
}

// DefaultAction returns the action of class c when a route does not set
// one (SPEC §1), and false for a class that is not configurable.
func DefaultAction(c classify.Class) (Action, bool) {
	switch c {
	case classify.Invalid, classify.Exhausted, classify.TooLarge, classify.Auth, classify.NotFound:
		return ActionNext, true
	case classify.Wait:
		return ActionWait, true
	case classify.Overloaded:
		return ActionReroute, true
	case classify.Transient:
		return ActionRetry, true
	case classify.Rejected:
		return ActionStop, true
	}
	return 0, false
}

// DefaultActions returns the default action of every configurable class.
func DefaultActions() map[classify.Class]Action {
	m := make(map[classify.Class]Action)
	for _, c := range ConfigurableClasses() {
		m[c], _ = DefaultAction(c)
	}
	return m
}

// actionAllowed reports whether class c may take action a: a rejected
// request may only stop or move on, never be retried.
func actionAllowed(c classify.Class, a Action) bool {
	if c == classify.Rejected {
		return a == ActionStop || a == ActionNext
	}
	return true
}

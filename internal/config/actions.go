package config

import (
	"fmt"
	"slices"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/classify"
)

// Action is what a route does about an attempt's failure class: the
// engine's lifeline.Action.
type Action = lifeline.Action

// The actions, as named in configuration (routes[].actions).
const (
	ActionRetry   = lifeline.Retry
	ActionWait    = lifeline.Wait
	ActionNext    = lifeline.Next
	ActionReroute = lifeline.Reroute
	ActionStop    = lifeline.Stop
)

// actionNames lists the actions' config names in order.
func actionNames() []string { return []string{"retry", "wait", "next", "reroute", "stop"} }

// ParseAction parses an action's config name.
func ParseAction(s string) (Action, error) {
	a, err := lifeline.ParseAction(s)
	if err != nil {
		return 0, &problem{msg: fmt.Sprintf("unknown action %q", s), fix: choiceFix(s, actionNames())}
	}
	return a, nil
}

// ConfigurableClasses returns the classes whose action a route may set:
// every class but ok and broken_stream, in taxonomy order.
func ConfigurableClasses() []classify.Class {
	var out []classify.Class
	for _, c := range classify.All() {
		if c != classify.OK && c != classify.BrokenStream {
			out = append(out, c)
		}
	}
	return out
}

// DefaultAction returns the action of class c when a route does not set
// one (docs/taxonomy.md), and false for a class that is not configurable.
func DefaultAction(c classify.Class) (Action, bool) {
	if c == classify.OK || c == classify.BrokenStream || !slices.Contains(classify.All(), c) {
		return 0, false
	}
	return lifeline.DefaultAction(c), true
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

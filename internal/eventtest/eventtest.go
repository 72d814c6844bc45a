// Package eventtest records the events an engine reports, for the tests of
// the engine and of the gateway.
package eventtest

import (
	"slices"
	"sync"

	"github.com/lifelinehq/lifeline"
)

// Recorder keeps every event given to Observe, in order. It is safe for
// concurrent use; its zero value is ready.
type Recorder struct {
	mu     sync.Mutex
	events []lifeline.Event
}

// Observe records e. It is an observer for lifeline.WithObserver.
func (r *Recorder) Observe(e lifeline.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// Kind returns the events of kind k recorded so far, in order.
func (r *Recorder) Kind(k lifeline.EventKind) []lifeline.Event {
	return r.filter(func(e lifeline.Event) bool { return e.Kind == k })
}

// Sequence returns the kinds of the events recorded so far that are among
// kinds, in the order they came.
func (r *Recorder) Sequence(kinds ...lifeline.EventKind) []lifeline.EventKind {
	var out []lifeline.EventKind
	for _, e := range r.filter(func(e lifeline.Event) bool { return slices.Contains(kinds, e.Kind) }) {
		out = append(out, e.Kind)
	}
	return out
}

// Attempts returns, in order, "target:class" for each finished attempt of
// the request with ID id.
func (r *Recorder) Attempts(id string) []string {
	var out []string
	for _, e := range r.filter(func(e lifeline.Event) bool {
		return e.RequestID == id && e.Kind == lifeline.AttemptFinished
	}) {
		out = append(out, e.Target+":"+e.Class.String())
	}
	return out
}

// Finished returns the RequestFinished event of the request with ID id,
// and whether there is one yet.
func (r *Recorder) Finished(id string) (lifeline.Event, bool) {
	evs := r.filter(func(e lifeline.Event) bool {
		return e.RequestID == id && e.Kind == lifeline.RequestFinished
	})
	if len(evs) == 0 {
		return lifeline.Event{}, false
	}
	return evs[0], true
}

func (r *Recorder) filter(keep func(lifeline.Event) bool) []lifeline.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []lifeline.Event
	for _, e := range r.events {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

package lifeline

import "context"

// AttemptContext gives the benchmarks of package lifeline_test the
// engine's attempt context, so that the bare wrapper they compare the
// engine with pays no more for its context than the engine does.
type AttemptContext = attemptContext

// NewAttemptContext returns an attempt context of the request context parent.
func NewAttemptContext(parent context.Context) *AttemptContext { return newAttemptContext(parent) }

// End ends the attempt context with cause.
func (a *attemptContext) End(cause error) { a.end(cause) }

package lifeline

import (
	"fmt"
	"time"

	"github.com/lifelinehq/lifeline/backoff"
	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/budget"
	"github.com/lifelinehq/lifeline/validate"
)

// Policy is a route's immutable reliability policy. Build it with
// DefaultPolicy and RouteOptions; the zero value of any field means its
// default.
type Policy struct {
	Retry    RetryPolicy
	Timeouts Timeouts
	// Breaker is each target's circuit breaker; zero fields take
	// DefaultPolicy's values, and ProbeLease (how long a half-open probe
	// may stay out) defaults to Timeouts.Attempt.
	Breaker breaker.Config
	// QuotaCooldown is how long a target that answered with a spent quota
	// (class exhausted) is skipped. Default 10m.
	QuotaCooldown time.Duration
	Actions       Actions
	Validate      validate.Spec
	// Stream says when a stream is held until it validates.
	Stream StreamMode
}

// RetryPolicy bounds retries and waits.
type RetryPolicy struct {
	// MaxAttempts counts attempts per target, the first included. Default 3.
	MaxAttempts int
	// Backoff is the schedule between retries. Default 500ms base, 20s cap,
	// full jitter.
	Backoff backoff.Policy
	// MaxWait is the longest wait lifeline accepts from a provider's hint.
	// Default 60s.
	MaxWait time.Duration
	// Budget limits retries per target. Default ratio 0.2, 5 per second.
	Budget budget.Config
}

// Timeouts are the time bounds of a request.
type Timeouts struct {
	Attempt    time.Duration // per attempt; default 120s
	FirstToken time.Duration // to the first content event (streams) or response headers; default 30s
	Idle       time.Duration // between stream events; default 30s
	Total      time.Duration // the whole request, every retry and fallback; default 300s
}

// StreamMode says when streams are validated.
type StreamMode uint8

// Stream modes.
const (
	// StreamAuto buffers when the request asks for structured output (a
	// json or schema check applies) and passes otherwise.
	StreamAuto StreamMode = iota
	// StreamBuffer holds the whole stream until it validates, so an invalid
	// stream can still fall back before the client sees a byte.
	StreamBuffer
	// StreamPass forwards events at once; an invalid end is a broken stream.
	StreamPass
)

// String returns the mode's config name: "auto", "buffer" or "pass".
func (m StreamMode) String() string {
	switch m {
	case StreamBuffer:
		return "buffer"
	case StreamPass:
		return "pass"
	}
	return "auto"
}

// DefaultPolicy returns the taxonomy's defaults.
func DefaultPolicy() Policy {
	return Policy{
		Retry: RetryPolicy{
			MaxAttempts: 3,
			Backoff:     backoff.Policy{Base: 500 * time.Millisecond, Cap: 20 * time.Second, Jitter: backoff.Full},
			MaxWait:     60 * time.Second,
			Budget:      budget.Config{Ratio: 0.2, MinPerSecond: 5},
		},
		Timeouts: Timeouts{
			Attempt:    120 * time.Second,
			FirstToken: 30 * time.Second,
			Idle:       30 * time.Second,
			Total:      300 * time.Second,
		},
		Breaker: breaker.Config{
			Window: 30 * time.Second, MinRequests: 10, FailureRate: 0.5, ConsecutiveFailures: 5,
			Cooldown: 30 * time.Second, MaxCooldown: 5 * time.Minute, HalfOpenProbes: 1,
		},
		QuotaCooldown: 10 * time.Minute,
	}
}

// withDefaults fills zero fields from DefaultPolicy.
func (p Policy) withDefaults() Policy {
	d := DefaultPolicy()
	if p.Retry.MaxAttempts <= 0 {
		p.Retry.MaxAttempts = d.Retry.MaxAttempts
	}
	if p.Retry.Backoff.Base <= 0 {
		p.Retry.Backoff.Base = d.Retry.Backoff.Base
	}
	if p.Retry.Backoff.Cap <= 0 {
		p.Retry.Backoff.Cap = d.Retry.Backoff.Cap
	}
	if p.Retry.MaxWait <= 0 {
		p.Retry.MaxWait = d.Retry.MaxWait
	}
	if p.Retry.Budget.Ratio <= 0 && p.Retry.Budget.MinPerSecond <= 0 {
		p.Retry.Budget = d.Retry.Budget
	}
	t, dt := &p.Timeouts, d.Timeouts
	if t.Attempt <= 0 {
		t.Attempt = dt.Attempt
	}
	if t.FirstToken <= 0 {
		t.FirstToken = dt.FirstToken
	}
	if t.Idle <= 0 {
		t.Idle = dt.Idle
	}
	if t.Total <= 0 {
		t.Total = dt.Total
	}
	b, db := &p.Breaker, d.Breaker
	if b.Window <= 0 {
		b.Window = db.Window
	}
	if b.MinRequests <= 0 {
		b.MinRequests = db.MinRequests
	}
	if b.FailureRate <= 0 {
		b.FailureRate = db.FailureRate
	}
	if b.ConsecutiveFailures <= 0 {
		b.ConsecutiveFailures = db.ConsecutiveFailures
	}
	if b.Cooldown <= 0 {
		b.Cooldown = db.Cooldown
	}
	if b.MaxCooldown <= 0 {
		b.MaxCooldown = db.MaxCooldown
	}
	if b.HalfOpenProbes <= 0 {
		b.HalfOpenProbes = db.HalfOpenProbes
	}
	if b.ProbeLease <= 0 {
		b.ProbeLease = t.Attempt
	}
	if p.QuotaCooldown <= 0 {
		p.QuotaCooldown = d.QuotaCooldown
	}
	return p
}

// check refuses values no default can stand for: negative counts,
// durations and rates (zero means the default), a failure rate above 1.
func (p *Policy) check() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"Retry.MaxWait", p.Retry.MaxWait}, {"Retry.Backoff.Base", p.Retry.Backoff.Base},
		{"Retry.Backoff.Cap", p.Retry.Backoff.Cap}, {"Timeouts.Attempt", p.Timeouts.Attempt},
		{"Timeouts.FirstToken", p.Timeouts.FirstToken}, {"Timeouts.Idle", p.Timeouts.Idle},
		{"Timeouts.Total", p.Timeouts.Total}, {"Breaker.Window", p.Breaker.Window},
		{"Breaker.Cooldown", p.Breaker.Cooldown}, {"Breaker.MaxCooldown", p.Breaker.MaxCooldown},
		{"Breaker.ProbeLease", p.Breaker.ProbeLease}, {"QuotaCooldown", p.QuotaCooldown},
	} {
		if d.v < 0 {
			return fmt.Errorf("%s is %v: it may not be negative (zero means the default)", d.name, d.v)
		}
	}
	for _, n := range []struct {
		name string
		v    float64
	}{
		{"Retry.MaxAttempts", float64(p.Retry.MaxAttempts)}, {"Retry.Budget.Ratio", p.Retry.Budget.Ratio},
		{"Retry.Budget.MinPerSecond", p.Retry.Budget.MinPerSecond}, {"Breaker.MinRequests", float64(p.Breaker.MinRequests)},
		{"Breaker.FailureRate", p.Breaker.FailureRate}, {"Breaker.ConsecutiveFailures", float64(p.Breaker.ConsecutiveFailures)},
		{"Breaker.HalfOpenProbes", float64(p.Breaker.HalfOpenProbes)},
	} {
		if !(n.v >= 0) { // NaN too
			return fmt.Errorf("%s is %v: it may not be negative (zero means the default)", n.name, n.v)
		}
	}
	if p.Breaker.FailureRate > 1 {
		return fmt.Errorf("Breaker.FailureRate is %v: it is a fraction of attempts, at most 1", p.Breaker.FailureRate)
	}
	return nil
}

// RouteOption adjusts a route's policy when the route is built.
type RouteOption func(*Policy) error

// WithPolicy replaces the whole policy (zero fields still mean defaults).
func WithPolicy(p Policy) RouteOption {
	return func(dst *Policy) error { *dst = p; return nil }
}

// WithMaxAttempts sets the attempts per target, the first included.
func WithMaxAttempts(n int) RouteOption {
	return func(p *Policy) error { p.Retry.MaxAttempts = n; return nil }
}

// WithBackoff sets the retry schedule.
func WithBackoff(b backoff.Policy) RouteOption {
	return func(p *Policy) error { p.Retry.Backoff = b; return nil }
}

// WithMaxWait sets the longest provider hint lifeline waits for.
func WithMaxWait(d time.Duration) RouteOption {
	return func(p *Policy) error { p.Retry.MaxWait = d; return nil }
}

// WithBudget sets the retry budget. The Config is taken whole once either
// field is set: Config{Ratio: 0.1} has no per-second floor. Only a zero
// Config keeps the default (ratio 0.2, 5 per second).
func WithBudget(b budget.Config) RouteOption {
	return func(p *Policy) error { p.Retry.Budget = b; return nil }
}

// WithTimeouts sets the time bounds; zero fields keep their defaults.
func WithTimeouts(t Timeouts) RouteOption {
	return func(p *Policy) error { p.Timeouts = t; return nil }
}

// WithBreaker sets the circuit breaker policy; zero fields keep their defaults.
func WithBreaker(b breaker.Config) RouteOption {
	return func(p *Policy) error { p.Breaker = b; return nil }
}

// WithValidation sets the output checks.
func WithValidation(s validate.Spec) RouteOption {
	return func(p *Policy) error { p.Validate = s; return nil }
}

// WithStreamMode sets when streams are held until they validate.
func WithStreamMode(m StreamMode) RouteOption {
	return func(p *Policy) error { p.Stream = m; return nil }
}

// WithAction overrides the action of one class.
func WithAction(c Class, a Action) RouteOption {
	return func(p *Policy) error {
		acts, err := p.Actions.With(c, a)
		p.Actions = acts
		return err
	}
}

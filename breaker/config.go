package breaker

import "time"

// Defaults applied by WithDefaults to zero or negative Config fields.
const (
	DefaultWindow              = 30 * time.Second
	DefaultMinRequests         = 10
	DefaultFailureRate         = 0.5
	DefaultConsecutiveFailures = 5
	DefaultCooldown            = 30 * time.Second
	DefaultMaxCooldown         = 5 * time.Minute
	DefaultHalfOpenProbes      = 1
	DefaultProbeLease          = 2 * time.Minute
)

// WithDefaults returns c with every zero or negative field replaced by its
// default, and MaxCooldown raised to Cooldown when it is smaller. The
// methods of Breaker apply it themselves; callers use it to show the
// effective policy.
func (c Config) WithDefaults() Config {
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	if c.MinRequests <= 0 {
		c.MinRequests = DefaultMinRequests
	}
	if !(c.FailureRate > 0) { // also catches NaN
		c.FailureRate = DefaultFailureRate
	}
	if c.ConsecutiveFailures <= 0 {
		c.ConsecutiveFailures = DefaultConsecutiveFailures
	}
	if c.Cooldown <= 0 {
		c.Cooldown = DefaultCooldown
	}
	if c.MaxCooldown <= 0 {
		c.MaxCooldown = DefaultMaxCooldown
	}
	if c.MaxCooldown < c.Cooldown {
		c.MaxCooldown = c.Cooldown
	}
	if c.HalfOpenProbes <= 0 {
		c.HalfOpenProbes = DefaultHalfOpenProbes
	}
	if c.ProbeLease <= 0 {
		c.ProbeLease = DefaultProbeLease
	}
	return c
}

// slotWidth is the span of one window slot.
func (c Config) slotWidth() time.Duration {
	return max(c.Window/Buckets, 1)
}

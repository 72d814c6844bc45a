package config

import (
	"time"

	"github.com/lifelinehq/lifeline/store/redis"
)

// Built-in defaults, as documented on the struct fields.
const (
	DefaultListen         = "127.0.0.1:8080"
	DefaultBackend        = "memory"
	DefaultJitter         = "full"
	DefaultLogLevel       = "info"
	DefaultLogFormat      = "text"
	DefaultMaxBody   Size = 32 << 20

	defaultOpenAIBaseURL    = "https://api.openai.com/v1"
	defaultAnthropicBaseURL = "https://api.anthropic.com"
)

// Default returns the configuration an empty file yields: every built-in
// default, no keys, providers or routes.
func Default() *Config {
	c := &Config{}
	c.ApplyDefaults()
	return c
}

// DefaultDefaults returns the built-in defaults section.
func DefaultDefaults() Defaults {
	return Defaults{
		Retry: Retry{
			MaxAttempts: 3,
			Base:        Duration(500 * time.Millisecond),
			Cap:         Duration(20 * time.Second),
			Jitter:      DefaultJitter,
			MaxWait:     Duration(60 * time.Second),
			Budget:      Budget{Ratio: 0.2, MinPerSecond: 5},
		},
		Timeouts: Timeouts{
			Attempt:    Duration(120 * time.Second),
			FirstToken: Duration(30 * time.Second),
			Idle:       Duration(30 * time.Second),
			Total:      Duration(300 * time.Second),
		},
		Breaker: Breaker{
			Window:              Duration(30 * time.Second),
			MinRequests:         10,
			FailureRate:         0.5,
			ConsecutiveFailures: 5,
			Cooldown:            Duration(30 * time.Second),
			MaxCooldown:         Duration(5 * time.Minute),
			HalfOpenProbes:      1,
			QuotaCooldown:       Duration(10 * time.Minute),
		},
	}
}

// ApplyDefaults replaces every zero value at the top level, in the defaults
// section and in providers' base URLs by its default. Route settings are
// left as written (zero there means "as in defaults"); ResolvedRoutes merges
// them.
func (c *Config) ApplyDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Listen, DefaultListen)
	def(&c.State.Backend, DefaultBackend)
	def(&c.Log.Level, DefaultLogLevel)
	def(&c.Log.Format, DefaultLogFormat)
	if c.State.Timeout == 0 {
		c.State.Timeout = Duration(redis.DefaultTimeout)
	}
	if c.ShutdownGrace == 0 {
		c.ShutdownGrace = Duration(30 * time.Second)
	}
	if c.Idempotency.TTL == 0 {
		c.Idempotency.TTL = Duration(24 * time.Hour)
	}
	if c.Limits.MaxBody == 0 {
		c.Limits.MaxBody = DefaultMaxBody
	}
	for i := range c.Providers {
		p := &c.Providers[i]
		switch p.Kind {
		case "openai":
			def(&p.BaseURL, defaultOpenAIBaseURL)
		case "anthropic":
			def(&p.BaseURL, defaultAnthropicBaseURL)
		}
	}
	c.Defaults = mergeDefaults(c.Defaults, DefaultDefaults())
}

// mergeDefaults returns over with each zero field taken from base.
func mergeDefaults(over, base Defaults) Defaults {
	return Defaults{
		Retry:    mergeRetry(over.Retry, base.Retry),
		Timeouts: mergeTimeouts(over.Timeouts, base.Timeouts),
		Breaker:  mergeBreaker(over.Breaker, base.Breaker),
	}
}

// or returns v, or def when v is the zero value.
func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// mergeRetry returns over with each zero field taken from base.
func mergeRetry(over, base Retry) Retry {
	return Retry{
		MaxAttempts: or(over.MaxAttempts, base.MaxAttempts),
		Base:        or(over.Base, base.Base),
		Cap:         or(over.Cap, base.Cap),
		Jitter:      or(over.Jitter, base.Jitter),
		MaxWait:     or(over.MaxWait, base.MaxWait),
		Budget: Budget{
			Ratio:        or(over.Budget.Ratio, base.Budget.Ratio),
			MinPerSecond: or(over.Budget.MinPerSecond, base.Budget.MinPerSecond),
		},
	}
}

// mergeTimeouts returns over with each zero field taken from base.
func mergeTimeouts(over, base Timeouts) Timeouts {
	return Timeouts{
		Attempt:    or(over.Attempt, base.Attempt),
		FirstToken: or(over.FirstToken, base.FirstToken),
		Idle:       or(over.Idle, base.Idle),
		Total:      or(over.Total, base.Total),
	}
}

// mergeBreaker returns over with each zero field taken from base.
func mergeBreaker(over, base Breaker) Breaker {
	return Breaker{
		Window:              or(over.Window, base.Window),
		MinRequests:         or(over.MinRequests, base.MinRequests),
		FailureRate:         or(over.FailureRate, base.FailureRate),
		ConsecutiveFailures: or(over.ConsecutiveFailures, base.ConsecutiveFailures),
		Cooldown:            or(over.Cooldown, base.Cooldown),
		MaxCooldown:         or(over.MaxCooldown, base.MaxCooldown),
		HalfOpenProbes:      or(over.HalfOpenProbes, base.HalfOpenProbes),
		QuotaCooldown:       or(over.QuotaCooldown, base.QuotaCooldown),
	}
}

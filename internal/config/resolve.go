package config

import (
	"github.com/lifelinehq/lifeline"
	"log/slog"
	"maps"
	"time"

	"github.com/lifelinehq/lifeline/backoff"
	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/wire"
)

// ResolvedRoute is a route's effective settings: its overrides merged over
// the defaults section, merged over the built-in defaults.
type ResolvedRoute struct {
	Name     string
	Targets  []ResolvedTarget
	Validate ResolvedValidate
	Retry    ResolvedRetry
	Timeouts ResolvedTimeouts
	Breaker  ResolvedBreaker
	// Actions holds the action of every configurable class.
	Actions map[classify.Class]Action
}

// ResolvedTarget is one chain entry with its provider's settings.
type ResolvedTarget struct {
	Provider string // the provider's config name
	Model    string
	Kind     wire.Dialect
	BaseURL  string
	APIKey   Secret
	Headers  map[string]string // extra upstream headers; nil when none
}

// ID names the target as in metrics, logs and error bodies:
// "provider/model".
func (t ResolvedTarget) ID() string { return t.Provider + "/" + t.Model }

// StreamMode is how a stream is validated: the engine's lifeline.StreamMode.
type StreamMode = lifeline.StreamMode

// Stream modes, as named in configuration (validate.stream).
const (
	StreamAuto   = lifeline.StreamAuto   // buffer when the request asks for structured output
	StreamBuffer = lifeline.StreamBuffer // hold the stream until it validates
	StreamPass   = lifeline.StreamPass   // forward at once; an invalid end is a broken stream
)

// ResolvedValidate is a route's effective validation settings.
type ResolvedValidate struct {
	JSON bool
	// Schema is the route's JSON Schema document; nil when none.
	Schema []byte
	// SchemaSource is the schema's file path as written, or "inline".
	SchemaSource  string
	Stream        StreamMode
	NonEmpty      bool
	Tools         bool
	RequestSchema bool
	Checks        []Check
}

// ResolvedRetry is a route's effective retry policy.
type ResolvedRetry struct {
	MaxAttempts        int
	Base               time.Duration
	Cap                time.Duration
	Jitter             backoff.Jitter
	MaxWait            time.Duration
	BudgetRatio        float64
	BudgetMinPerSecond float64
}

// ResolvedTimeouts are a route's effective time bounds.
type ResolvedTimeouts struct {
	Attempt    time.Duration
	FirstToken time.Duration
	Idle       time.Duration
	Total      time.Duration
}

// ResolvedBreaker is a route's effective breaker settings.
type ResolvedBreaker struct {
	Window              time.Duration
	MinRequests         int
	FailureRate         float64
	ConsecutiveFailures int
	Cooldown            time.Duration
	MaxCooldown         time.Duration
	HalfOpenProbes      int
	QuotaCooldown       time.Duration
}

// ResolvedRoutes returns every route's effective settings, in file order.
// Call it on a valid Config (from Parse, Load, or Validate without error).
func (c *Config) ResolvedRoutes() []ResolvedRoute {
	d := mergeDefaults(c.Defaults, DefaultDefaults())
	providers := map[string]Provider{}
	for _, p := range c.Providers {
		if _, dup := providers[p.Name]; !dup {
			providers[p.Name] = p
		}
	}
	out := make([]ResolvedRoute, 0, len(c.Routes))
	for _, r := range c.Routes {
		out = append(out, ResolvedRoute{
			Name:     r.Name,
			Targets:  resolveTargets(r.Chain, providers),
			Validate: resolveValidate(r.Validate),
			Retry:    resolveRetry(mergeRetry(r.Retry, d.Retry)),
			Timeouts: resolveTimeouts(mergeTimeouts(r.Timeouts, d.Timeouts)),
			Breaker:  resolveBreaker(mergeBreaker(r.Breaker, d.Breaker)),
			Actions:  resolveActions(r.Actions),
		})
	}
	return out
}

func resolveTargets(chain []Target, providers map[string]Provider) []ResolvedTarget {
	out := make([]ResolvedTarget, 0, len(chain))
	for _, t := range chain {
		p := providers[t.Provider]
		kind, _ := wire.ParseDialect(p.Kind)
		base := p.BaseURL
		if base == "" {
			switch kind {
			case wire.OpenAI:
				base = defaultOpenAIBaseURL
			case wire.Anthropic:
				base = defaultAnthropicBaseURL
			}
		}
		var headers map[string]string
		if len(p.Headers) > 0 {
			headers = maps.Clone(p.Headers)
		}
		out = append(out, ResolvedTarget{Provider: t.Provider, Model: t.Model, Kind: kind, BaseURL: base, APIKey: p.APIKey, Headers: headers})
	}
	return out
}

func resolveValidate(v Validate) ResolvedValidate {
	r := ResolvedValidate{
		JSON:          v.JSON,
		Schema:        v.JSONSchema.JSON,
		SchemaSource:  v.JSONSchema.Source(),
		NonEmpty:      v.NonEmpty,
		Tools:         v.Tools == nil || *v.Tools,
		RequestSchema: v.RequestSchema == nil || *v.RequestSchema,
		Checks:        append([]Check(nil), v.Checks...),
	}
	switch v.Stream {
	case "buffer":
		r.Stream = StreamBuffer
	case "pass":
		r.Stream = StreamPass
	}
	return r
}

func resolveRetry(r Retry) ResolvedRetry {
	return ResolvedRetry{
		MaxAttempts:        r.MaxAttempts,
		Base:               r.Base.D(),
		Cap:                r.Cap.D(),
		Jitter:             jitterOf(r.Jitter),
		MaxWait:            r.MaxWait.D(),
		BudgetRatio:        r.Budget.Ratio,
		BudgetMinPerSecond: r.Budget.MinPerSecond,
	}
}

// jitterOf maps a validated jitter name to its kind (Full when unset).
func jitterOf(name string) backoff.Jitter {
	j, err := backoff.ParseJitter(name)
	if err != nil {
		return backoff.Full
	}
	return j
}

func resolveTimeouts(t Timeouts) ResolvedTimeouts {
	return ResolvedTimeouts{Attempt: t.Attempt.D(), FirstToken: t.FirstToken.D(), Idle: t.Idle.D(), Total: t.Total.D()}
}

func resolveBreaker(b Breaker) ResolvedBreaker {
	return ResolvedBreaker{
		Window:              b.Window.D(),
		MinRequests:         b.MinRequests,
		FailureRate:         b.FailureRate,
		ConsecutiveFailures: b.ConsecutiveFailures,
		Cooldown:            b.Cooldown.D(),
		MaxCooldown:         b.MaxCooldown.D(),
		HalfOpenProbes:      b.HalfOpenProbes,
		QuotaCooldown:       b.QuotaCooldown.D(),
	}
}

func resolveActions(m map[string]string) map[classify.Class]Action {
	out := DefaultActions()
	for name, action := range m {
		c, err := classify.Parse(name)
		if err != nil {
			continue
		}
		a, err := ParseAction(action)
		if err != nil || !actionAllowed(c, a) {
			continue
		}
		if _, ok := out[c]; ok {
			out[c] = a
		}
	}
	return out
}

// Allows reports whether the key may call route: its routes list is empty,
// holds "*", or names the route.
func (k Key) Allows(route string) bool {
	if len(k.Routes) == 0 {
		return true
	}
	for _, r := range k.Routes {
		if r == "*" || r == route {
			return true
		}
	}
	return false
}

// SlogLevel returns the log level as a slog.Level (info when unset).
func (l Log) SlogLevel() slog.Level {
	switch l.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// Package setup turns a loaded configuration into a running gateway's
// parts: routes with their policies, client keys and the state store.
package setup

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/backoff"
	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/budget"
	"github.com/lifelinehq/lifeline/internal/config"
	"github.com/lifelinehq/lifeline/internal/gateway"
	"github.com/lifelinehq/lifeline/store"
	"github.com/lifelinehq/lifeline/store/memory"
	"github.com/lifelinehq/lifeline/store/redis"
	"github.com/lifelinehq/lifeline/validate"
)

// Gateway builds the gateway configuration of c. The returned store must
// be closed by the caller (the gateway's Close does it). opts go to Store.
func Gateway(ctx context.Context, c *config.Config, log *slog.Logger, opts ...Option) (gateway.Config, error) {
	routes, err := Routes(c)
	if err != nil {
		return gateway.Config{}, err
	}
	st, err := Store(ctx, c, log, opts...)
	if err != nil {
		return gateway.Config{}, err
	}
	gc := gateway.Config{
		Routes:         routes,
		MaxBody:        int64(c.Limits.MaxBody),
		MaxInFlight:    int64(c.Limits.MaxInFlight),
		IdempotencyTTL: c.Idempotency.TTL.D(),
		Store:          st,
		Logger:         log,
	}
	for _, k := range c.Keys {
		gc.Keys = append(gc.Keys, gateway.Key{Key: k.Key, Routes: keyRoutes(k.Routes)})
	}
	return gc, nil
}

// keyRoutes maps a client key's routes list onto the gateway's: in the
// configuration an absent or empty list means every route, while the
// gateway lets a key with no routes call none, so it becomes "*".
func keyRoutes(routes []string) []string {
	if len(routes) == 0 {
		return []string{"*"}
	}
	return routes
}

// Store opens the configured state store.
//
// A Redis store logs its outages and recoveries to log, one line per
// transition, and reports every transition between shared and local state
// to the OnStoreStateChange functions of opts and to every function
// registered later with its NotifyStateChange method (it implements
// gateway.StateNotifier, so gateway.New counts the transitions in its
// metrics). Its other methods are those of *redis.Store (Health, Stats,
// Kind).
func Store(ctx context.Context, c *config.Config, log *slog.Logger, opts ...Option) (store.Store, error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	switch c.State.Backend {
	case "", "memory":
		return memory.New(), nil
	case "redis":
		relay := &stateRelay{}
		for _, f := range o.onChange {
			relay.NotifyStateChange(f)
		}
		ro := []redis.Option{redis.WithLogger(log), redis.WithStateChange(relay.changed)}
		if c.State.Timeout > 0 {
			ro = append(ro, redis.WithTimeout(c.State.Timeout.D()))
		}
		ro = append(ro, o.redis...)
		s, err := redis.New(ctx, c.State.RedisURL, ro...)
		if err != nil {
			return nil, fmt.Errorf("state.redis_url: %w", err)
		}
		return &redisStore{Store: s, stateRelay: relay}, nil
	}
	return nil, fmt.Errorf("state.backend: unknown backend %q", c.State.Backend)
}

// Routes maps the configuration's resolved routes onto engine routes.
func Routes(c *config.Config) ([]gateway.RouteSpec, error) {
	providers := map[string]*lifeline.Provider{}
	var out []gateway.RouteSpec
	for _, r := range c.ResolvedRoutes() {
		spec := gateway.RouteSpec{Name: r.Name}
		for _, t := range r.Targets {
			p := providers[t.Provider]
			if p == nil {
				p = &lifeline.Provider{Name: t.Provider, Kind: t.Kind, BaseURL: t.BaseURL, APIKey: t.APIKey}
				if len(t.Headers) > 0 {
					p.Header = http.Header{}
					for k, v := range t.Headers {
						p.Header.Set(k, v)
					}
				}
				providers[t.Provider] = p
			}
			spec.Chain = append(spec.Chain, lifeline.Target{Provider: p, Model: t.Model})
		}
		opts, err := policy(r)
		if err != nil {
			return nil, fmt.Errorf("route %q: %w", r.Name, err)
		}
		spec.Options = opts
		out = append(out, spec)
	}
	return out, nil
}

// policy maps one resolved route's settings onto route options.
func policy(r config.ResolvedRoute) ([]lifeline.RouteOption, error) {
	p := lifeline.Policy{
		Retry: lifeline.RetryPolicy{
			MaxAttempts: r.Retry.MaxAttempts,
			Backoff:     backoff.Policy{Base: r.Retry.Base, Cap: r.Retry.Cap, Jitter: r.Retry.Jitter},
			MaxWait:     r.Retry.MaxWait,
			Budget:      budget.Config{Ratio: r.Retry.BudgetRatio, MinPerSecond: r.Retry.BudgetMinPerSecond},
		},
		Timeouts: lifeline.Timeouts{
			Attempt: r.Timeouts.Attempt, FirstToken: r.Timeouts.FirstToken,
			Idle: r.Timeouts.Idle, Total: r.Timeouts.Total,
		},
		Breaker: breaker.Config{
			Window: r.Breaker.Window, MinRequests: r.Breaker.MinRequests, FailureRate: r.Breaker.FailureRate,
			ConsecutiveFailures: r.Breaker.ConsecutiveFailures, Cooldown: r.Breaker.Cooldown,
			MaxCooldown: r.Breaker.MaxCooldown, HalfOpenProbes: r.Breaker.HalfOpenProbes,
		},
		QuotaCooldown: r.Breaker.QuotaCooldown,
	}
	v := r.Validate
	spec := validate.Spec{
		JSON: v.JSON, Schema: v.Schema, SchemaURL: v.SchemaSource,
		NoTools: !v.Tools, NoRequestSchema: !v.RequestSchema, NonEmpty: v.NonEmpty,
	}
	for _, ch := range v.Checks {
		c, err := check(ch)
		if err != nil {
			return nil, err
		}
		spec.Custom = append(spec.Custom, c)
	}
	p.Validate = spec
	p.Stream = v.Stream
	for class, act := range r.Actions {
		var err error
		if p.Actions, err = p.Actions.With(class, act); err != nil {
			return nil, err
		}
	}
	return []lifeline.RouteOption{lifeline.WithPolicy(p)}, nil
}

// check maps a named check onto a custom validator.
func check(c config.Check) (validate.Custom, error) {
	switch {
	case c.MinLength > 0:
		return validate.MinLength(c.MinLength), nil
	case c.Regex != "":
		return validate.Regex(c.Regex)
	case len(c.RequiredFields) > 0:
		return validate.RequiredFields(c.RequiredFields...), nil
	}
	return validate.Custom{}, fmt.Errorf("empty check")
}

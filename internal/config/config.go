// Package config loads, checks and resolves the gateway's configuration
// file, lifeline.yaml.
//
// The structs below are the file's schema; their field comments are the
// reference (docs/configuration.md repeats them with examples). In every
// struct a zero value means "the default": at the top level and under
// defaults that is the built-in default, under a route it is the value of
// the defaults section. Parse fills the top level and the defaults section
// in; ResolvedRoutes merges each route over the defaults.
package config

// Config is the whole lifeline.yaml.
type Config struct {
	// Listen is the gateway's address, host:port. Default 127.0.0.1:8080.
	// An empty host listens on every interface.
	Listen string `yaml:"listen"`
	// State selects where breakers, cool-downs, retry budgets and
	// idempotency records live.
	State State `yaml:"state"`
	// Keys are the client keys that may call the gateway. None: the gateway
	// is open (only safe on loopback).
	Keys []Key `yaml:"keys"`
	// Providers are the upstream model APIs.
	Providers []Provider `yaml:"providers"`
	// Routes are what clients name as "model": each is a chain of targets.
	Routes []Route `yaml:"routes"`
	// Defaults are the retry, timeout and breaker settings of every route
	// that does not override them.
	Defaults Defaults `yaml:"defaults"`
	// Idempotency configures the gateway's replay of repeated requests.
	Idempotency Idempotency `yaml:"idempotency"`
	// Limits bound what a client may send.
	Limits Limits `yaml:"limits"`
	// ShutdownGrace is how long in-flight requests and streams may run on
	// after SIGTERM/SIGINT. Default 30s.
	ShutdownGrace Duration `yaml:"shutdown_grace"`
	// Log configures the gateway's log output.
	Log Log `yaml:"log"`

	src *source // where the configuration came from, for error positions; nil when built in code
}

// source records the file a Config was parsed from.
type source struct {
	file    string
	pos     positions
	numbers map[string]bool // key paths the file set to a number
}

// State selects the state store.
type State struct {
	// Backend is memory (default; embedded, one replica) or redis (shared by
	// every replica).
	Backend string `yaml:"backend"`
	// RedisURL is the Redis address, required with backend redis:
	// redis://[user:password@]host:port/db (rediss:// for TLS),
	// unix:///path/to/redis.sock, redis+sentinel://host:port,host:port/master-name
	// for Sentinel, redis+cluster://host:port,host:port or a bare
	// host:port,host:port list for a cluster.
	RedisURL string `yaml:"redis_url"`
	// Timeout bounds one call to Redis (default 500ms, at most 1m): one
	// that takes longer is answered from the replica's local state, and
	// three in a row on one server, with no answer from it in between,
	// count as an outage: the replica serves on local state until Redis
	// answers again. Raise it on a host whose CPU or network is often
	// saturated; a request's own deadline still cuts a call.
	Timeout Duration `yaml:"timeout"`
}

// Key is one client key.
type Key struct {
	// Key is the secret a client sends as "Authorization: Bearer KEY" or
	// "x-api-key: KEY". Usually "${VAR}". Never printed.
	Key Secret `yaml:"key"`
	// Routes are the route names this key may call; "*" means all. Empty
	// means all.
	Routes []string `yaml:"routes"`
}

// Provider is one upstream API endpoint and its credentials.
type Provider struct {
	// Name identifies the provider in chains, metrics and error bodies
	// (targets are named provider/model). Letters, digits, '.', '_', '-'.
	Name string `yaml:"name"`
	// Kind is the wire dialect: openai (any OpenAI-compatible server: vLLM,
	// Ollama, Groq, Together, OpenRouter…) or anthropic.
	Kind string `yaml:"kind"`
	// BaseURL is the API's absolute http(s) URL. Default by kind:
	// https://api.openai.com/v1 or https://api.anthropic.com. OpenAI-style
	// base URLs include the /v1 prefix; Anthropic ones do not.
	BaseURL string `yaml:"base_url"`
	// APIKey is the provider key, usually "${VAR}". Optional (local servers
	// need none). Never printed.
	APIKey Secret `yaml:"api_key"`
	// Headers are extra headers sent upstream with every request to this
	// provider (e.g. OpenAI-Organization). Only their names are printed.
	Headers map[string]string `yaml:"headers"`
}

// Route is one name clients may send as "model".
type Route struct {
	// Name is what clients send as "model". Required, unique.
	Name string `yaml:"name"`
	// Chain is the ordered list of targets tried for this route. Required.
	Chain []Target `yaml:"chain"`
	// Validate gates a 2xx response on its content.
	Validate Validate `yaml:"validate"`
	// Retry overrides defaults.retry for this route, key by key.
	Retry Retry `yaml:"retry"`
	// Timeouts overrides defaults.timeouts for this route, key by key.
	Timeouts Timeouts `yaml:"timeouts"`
	// Breaker overrides defaults.breaker for this route, key by key.
	Breaker Breaker `yaml:"breaker"`
	// Actions maps a failure class to what the route does about it (retry,
	// wait, next, reroute, stop), overriding the default action table.
	Actions map[string]string `yaml:"actions"`
}

// Target is one provider and model in a route's chain.
type Target struct {
	// Provider is the name of a provider defined under providers.
	Provider string `yaml:"provider"`
	// Model is the model name sent upstream.
	Model string `yaml:"model"`
}

// Validate configures output validation for one route.
type Validate struct {
	// JSON requires the assistant's text to parse as JSON (after stripping
	// one Markdown code fence).
	JSON bool `yaml:"json"`
	// JSONSchema is a JSON Schema (draft 2020-12 or draft-07) the output
	// must match: an inline object, or a path to a JSON file relative to the
	// configuration file's folder.
	JSONSchema Schema `yaml:"json_schema"`
	// Stream is buffer (hold a stream until it is validated, so an invalid
	// stream can still fall back) or pass (forward at once; an invalid end
	// is a broken stream). Default: buffer when json or a schema applies
	// (also a schema the client sent), pass otherwise.
	Stream string `yaml:"stream"`
	// NonEmpty refuses an empty completion (no text and no tool call), and a
	// truncated one (length/max_tokens) when JSON was required.
	NonEmpty bool `yaml:"non_empty"`
	// Tools checks that every tool call names an offered tool and that its
	// arguments match the tool's schema. Default true.
	Tools *bool `yaml:"tools"`
	// RequestSchema also validates against the JSON Schema the client sent
	// (OpenAI response_format json_schema, Anthropic output_config.format).
	// Default true.
	RequestSchema *bool `yaml:"request_schema"`
	// Checks are named custom checks; each item sets exactly one of
	// min_length, regex or required_fields.
	Checks []Check `yaml:"checks"`
}

// Check is one named custom validator; set exactly one field.
type Check struct {
	// MinLength requires at least this many characters of assistant text.
	MinLength int `yaml:"min_length"`
	// Regex requires the assistant text to match this Go regular expression
	// (RE2 syntax; unanchored unless it uses ^ and $).
	Regex string `yaml:"regex"`
	// RequiredFields requires these top-level fields in the JSON output.
	RequiredFields []string `yaml:"required_fields"`
}

// Defaults are the settings routes inherit.
type Defaults struct {
	// Retry is the retry policy.
	Retry Retry `yaml:"retry"`
	// Timeouts are the time bounds.
	Timeouts Timeouts `yaml:"timeouts"`
	// Breaker is the per-target circuit breaker.
	Breaker Breaker `yaml:"breaker"`
}

// Retry is a retry policy.
type Retry struct {
	// MaxAttempts counts attempts per target, the first included (3 = one
	// try and up to two retries on that target). Default 3.
	MaxAttempts int `yaml:"max_attempts"`
	// Base is the first backoff; the n-th retry waits base × 2^(n-1).
	// Default 500ms.
	Base Duration `yaml:"base"`
	// Cap bounds one backoff. Default 20s.
	Cap Duration `yaml:"cap"`
	// Jitter spreads backoffs: full (default), equal, decorrelated, none.
	Jitter string `yaml:"jitter"`
	// MaxWait is the longest wait for a provider's rate-limit hint; a longer
	// hint moves to the next target instead. Default 60s.
	MaxWait Duration `yaml:"max_wait"`
	// Budget caps retries per target relative to first attempts.
	Budget Budget `yaml:"budget"`
}

// Budget is a retry budget: a token bucket per target.
type Budget struct {
	// Ratio of recent first attempts that may be retried. Default 0.2.
	Ratio float64 `yaml:"ratio"`
	// MinPerSecond retries are always allowed, whatever the ratio.
	// Default 5.
	MinPerSecond float64 `yaml:"min_per_second"`
}

// Timeouts are the time bounds of a request.
type Timeouts struct {
	// Attempt bounds one upstream attempt. Default 120s.
	Attempt Duration `yaml:"attempt"`
	// FirstToken bounds the wait for the first content event of a stream
	// (the response headers otherwise). Default 30s.
	FirstToken Duration `yaml:"first_token"`
	// Idle bounds the gap between stream events. Default 30s.
	Idle Duration `yaml:"idle"`
	// Total bounds the whole client request, all retries and fallbacks
	// included. Default 300s.
	Total Duration `yaml:"total"`
}

// Breaker configures the circuit breaker of each target.
type Breaker struct {
	// Window is the span over which the failure rate is measured.
	// Default 30s.
	Window Duration `yaml:"window"`
	// MinRequests is how many attempts the window needs before the failure
	// rate counts. Default 10.
	MinRequests int `yaml:"min_requests"`
	// FailureRate in (0, 1] opens the breaker. Default 0.5.
	FailureRate float64 `yaml:"failure_rate"`
	// ConsecutiveFailures in a row open the breaker. Default 5.
	ConsecutiveFailures int `yaml:"consecutive_failures"`
	// Cooldown is how long an open breaker skips its target; it doubles on
	// each re-open. Default 30s.
	Cooldown Duration `yaml:"cooldown"`
	// MaxCooldown caps the doubling cooldown. Default 5m.
	MaxCooldown Duration `yaml:"max_cooldown"`
	// HalfOpenProbes is how many live requests test a half-open target.
	// Default 1.
	HalfOpenProbes int `yaml:"half_open_probes"`
	// QuotaCooldown is how long a target whose quota or billing limit is
	// exhausted stays unavailable. Default 10m.
	QuotaCooldown Duration `yaml:"quota_cooldown"`
}

// Idempotency configures request replay.
type Idempotency struct {
	// TTL is how long a completed response is kept for replay under its
	// Idempotency-Key. Default 24h.
	TTL Duration `yaml:"ttl"`
}

// Limits bound client requests.
type Limits struct {
	// MaxBody is the largest request body accepted (larger: 413). Default
	// 32MiB. Accepts 1048576, 512KiB, 32MiB, 32MB…
	MaxBody Size `yaml:"max_body"`
	// MaxInFlight caps the generation requests served at once, streams
	// included; one more gets a retryable 503 (x-should-retry: true,
	// Retry-After: 1) before anything of it is read. Default 0: no cap.
	MaxInFlight int `yaml:"max_in_flight"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info (default), warn or error.
	Level string `yaml:"level"`
	// Format is text (default) or json.
	Format string `yaml:"format"`
}

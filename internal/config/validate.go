package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/lifelinehq/lifeline/internal/credential"
	"github.com/lifelinehq/lifeline/store/redis"
	"github.com/lifelinehq/lifeline/wire"
)

// Validate checks c and returns every problem found, joined with
// errors.Join (see Errors), or nil. Zero values are valid: they mean the
// default. A Config from Parse or Load has been validated already; call
// Validate on one built in code.
func (c *Config) Validate() error {
	col := &collector{}
	if c.src != nil {
		col.file, col.pos, col.numbers = c.src.file, c.src.pos, c.src.numbers
	}
	c.validate(col)
	return col.err()
}

func (c *Config) validate(col *collector) {
	c.validateTop(col)
	c.validateKeys(col)
	c.validateProviders(col)
	c.validateRoutes(col)
	d := mergeDefaults(c.Defaults, DefaultDefaults())
	validateRetry(col, "defaults.retry", c.Defaults.Retry, d.Retry)
	validateTimeouts(col, "defaults.timeouts", c.Defaults.Timeouts)
	validateBreaker(col, "defaults.breaker", c.Defaults.Breaker, d.Breaker)
}

func (c *Config) validateTop(col *collector) {
	if c.Listen != "" {
		if msg := CheckListen(c.Listen); msg != "" {
			col.add("listen", msg, "write host:port, e.g. 127.0.0.1:8080 or :8080")
		}
	}
	switch c.State.Backend {
	case "", "memory":
		if c.State.RedisURL != "" {
			col.add("state.redis_url", "redis_url is set but the backend is memory", "set state.backend: redis, or remove redis_url")
		}
		if c.State.Timeout != 0 {
			col.add("state.timeout", "timeout is set but the backend is memory", "set state.backend: redis, or remove timeout")
		}
	case "redis":
		if c.State.RedisURL == "" {
			col.add("state.redis_url", "required when the backend is redis", "set redis_url, e.g. redis://127.0.0.1:6379/0")
		} else if msg := checkRedisURL(c.State.RedisURL); msg != "" {
			col.add("state.redis_url", msg, redisURLFix)
		}
		if c.State.Timeout < 0 || c.State.Timeout > Duration(time.Minute) {
			col.add("state.timeout", fmt.Sprintf("timeout %s is outside 0 (the default, 500ms) to 1m", c.State.Timeout), "write a duration such as 500ms or 2s")
		}
	default:
		col.add("state.backend", fmt.Sprintf("unknown backend %q", c.State.Backend), choiceFix(c.State.Backend, []string{"memory", "redis"}))
	}
	nonNegative(col, "idempotency.ttl", c.Idempotency.TTL)
	nonNegative(col, "shutdown_grace", c.ShutdownGrace)
	if c.Limits.MaxBody < 0 {
		col.add("limits.max_body", "must be positive", "write a size such as 32MiB")
	}
	if c.Limits.MaxInFlight < 0 {
		col.add("limits.max_in_flight", "must not be negative", "write 0 for no cap, or a number of requests such as 2000")
	}
	checkName(col, "log.level", "log level", c.Log.Level, []string{"debug", "info", "warn", "error"})
	checkName(col, "log.format", "log format", c.Log.Format, []string{"text", "json"})
}

func (c *Config) validateKeys(col *collector) {
	routes := c.routeNames()
	seen := map[Secret]int{}
	for i, k := range c.Keys {
		p := indexPath("keys", i)
		if k.Key == "" {
			col.add(p+".key", "empty client key", `set it, usually to "${LIFELINE_CLIENT_KEY}", or remove the entry`)
		} else if j, dup := seen[k.Key]; dup {
			col.add(p+".key", fmt.Sprintf("same key as keys[%d]", j), "merge the two entries' routes into one")
		} else {
			seen[k.Key] = i
		}
		for j, r := range k.Routes {
			if r == "*" || slices.Contains(routes, r) {
				continue
			}
			col.add(indexPath(p+".routes", j), fmt.Sprintf("unknown route %q", r),
				fmt.Sprintf(`use "*" or one of the route names: (%s)`, strings.Join(routes, ", ")))
		}
	}
}

func (c *Config) validateProviders(col *collector) {
	first := map[string]int{}
	for i, p := range c.Providers {
		path := indexPath("providers", i)
		switch {
		case p.Name == "":
			col.add(path+".name", "name is required", "give the provider a name to use in chains, e.g. openai")
		case !validProviderName(p.Name):
			col.add(path+".name", fmt.Sprintf("provider name %q has characters other than letters, digits, '.', '_' and '-'", p.Name),
				"rename it; targets are named provider/model, so '/' and spaces are not allowed")
		default:
			if j, dup := first[p.Name]; dup {
				col.add(path+".name", fmt.Sprintf("duplicate provider name %q (also providers[%d])", p.Name, j), "give each provider a unique name")
			} else {
				first[p.Name] = i
			}
		}
		kinds := []string{"anthropic", "openai"}
		if p.Kind == "" {
			col.add(path+".kind", "kind is required", "use one of: "+strings.Join(kinds, ", "))
		} else if _, err := wire.ParseDialect(p.Kind); err != nil {
			col.add(path+".kind", fmt.Sprintf("unknown kind %q", p.Kind), choiceFix(p.Kind, kinds)+" (openai covers every OpenAI-compatible server)")
		}
		if p.BaseURL != "" {
			if msg := checkBaseURL(p.BaseURL); msg != "" {
				example := defaultOpenAIBaseURL
				if p.Kind == "anthropic" {
					example = defaultAnthropicBaseURL
				}
				col.add(path+".base_url", msg, "write an absolute URL with scheme and host, e.g. "+example)
			}
		}
		for _, h := range sortedKeys(p.Headers) {
			hp := joinPath(path+".headers", h)
			if !validHeaderName(h) {
				col.add(hp, fmt.Sprintf("invalid header name %q", h), "use letters, digits and '-' only")
			}
			if v := p.Headers[h]; strings.ContainsAny(v, "\r\n") {
				col.add(hp, "header value contains a line break", "write the value on one line")
			} else if !httpguts.ValidHeaderFieldValue(v) {
				// net/http would refuse every request that carries it.
				col.add(hp, "header value contains a control character, which HTTP does not allow", "write printable characters only")
			}
		}
	}
}

// nonNegative reports a negative duration (zero means the default).
func nonNegative(col *collector, path string, d Duration) {
	if d < 0 {
		col.add(path, fmt.Sprintf("duration %s is negative", d), "write a positive duration such as 30s, or leave it out for the default")
	}
}

// checkName reports a value that is set but not one of names.
func checkName(col *collector, path, what, v string, names []string) {
	if v == "" || slices.Contains(names, v) {
		return
	}
	col.add(path, fmt.Sprintf("unknown %s %q", what, v), choiceFix(v, names))
}

// CheckListen returns why addr is not a usable host:port listen address,
// or "".
func CheckListen(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("invalid address %q: want host:port", addr)
	}
	if _, err := netip.ParseAddr(host); host != "" && err != nil && !validHostName(host) {
		return fmt.Sprintf("invalid host %q in %q", host, addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("invalid port %q in %q", port, addr)
	}
	return ""
}

// checkBaseURL returns why u is not an absolute http(s) URL, or "".
func checkBaseURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fmt.Sprintf("base_url %q is not an absolute http(s) URL", credential.URL(u))
	}
	return ""
}

// redisURLFix is the fix shown for a redis_url that the Redis store cannot read.
const redisURLFix = "use redis://host:port/db (rediss:// for TLS), unix:///path/to/redis.sock, " +
	"redis+sentinel://host:port,host:port/master-name, redis+cluster://host:port,host:port, or host:port,host:port for a cluster"

// checkRedisURL returns why s is not a Redis URL that the Redis store
// accepts, or "": the store's own parser judges it, so that `lifeline
// check` refuses exactly what serve would refuse. Messages never show a
// password.
func checkRedisURL(s string) string {
	if err := redis.ParseURL(s); err != nil {
		return fmt.Sprintf("redis_url %q: %s", credential.URL(s), strings.TrimPrefix(err.Error(), "redis URL: "))
	}
	return ""
}

func validProviderName(s string) bool {
	for _, r := range s {
		if !(r == '.' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return s != ""
}

// validHostName reports whether s can be a DNS host name: letters, digits,
// '-', '_' and '.', as in a provider name.
func validHostName(s string) bool { return validProviderName(s) }

// validHeaderName reports whether s is an HTTP token.
func validHeaderName(s string) bool {
	for _, r := range s {
		if r > 127 || r <= ' ' || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r) {
			return false
		}
	}
	return s != ""
}

// jitterNames lists the jitter kinds' config names.
func jitterNames() []string { return []string{"full", "equal", "decorrelated", "none"} }

func (c *Config) routeNames() []string {
	var out []string
	for _, r := range c.Routes {
		if r.Name != "" && !slices.Contains(out, r.Name) {
			out = append(out, r.Name)
		}
	}
	sort.Strings(out)
	return out
}

func (c *Config) providerNames() []string {
	var out []string
	for _, p := range c.Providers {
		if p.Name != "" && !slices.Contains(out, p.Name) {
			out = append(out, p.Name)
		}
	}
	sort.Strings(out)
	return out
}

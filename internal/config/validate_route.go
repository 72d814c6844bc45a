package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/lifelinehq/lifeline/classify"
)

func (c *Config) validateRoutes(col *collector) {
	if len(c.Routes) == 0 {
		col.add("routes", "no routes defined", "add at least one route with a name and a chain")
	}
	if len(c.Providers) == 0 {
		col.add("providers", "no providers defined", "add at least one provider with a name and a kind")
	}
	providers := c.providerNames()
	first := map[string]int{}
	d := mergeDefaults(c.Defaults, DefaultDefaults())
	for i, r := range c.Routes {
		path := indexPath("routes", i)
		switch {
		case r.Name == "":
			col.add(path+".name", "name is required", `set the name clients send as "model"`)
		case strings.TrimSpace(r.Name) != r.Name || strings.ContainsAny(r.Name, " \t\r\n"):
			col.add(path+".name", fmt.Sprintf("route name %q contains whitespace", r.Name), "remove the spaces")
		default:
			if j, dup := first[r.Name]; dup {
				col.add(path+".name", fmt.Sprintf("duplicate route name %q (also routes[%d])", r.Name, j), "give each route a unique name")
			} else {
				first[r.Name] = i
			}
		}
		validateChain(col, path+".chain", r.Chain, providers)
		validateValidate(col, path+".validate", r.Validate)
		validateRetry(col, path+".retry", r.Retry, mergeRetry(r.Retry, d.Retry))
		validateTimeouts(col, path+".timeouts", r.Timeouts)
		validateBreaker(col, path+".breaker", r.Breaker, mergeBreaker(r.Breaker, d.Breaker))
		validateActions(col, path+".actions", r.Actions)
	}
}

func validateChain(col *collector, path string, chain []Target, providers []string) {
	if len(chain) == 0 {
		col.add(path, "empty chain", "list at least one target: {provider: NAME, model: MODEL}")
		return
	}
	seen := map[Target]int{}
	for j, t := range chain {
		tp := indexPath(path, j)
		switch {
		case t.Provider == "":
			col.add(tp+".provider", "provider is required",
				fmt.Sprintf("use one of the names defined under providers: (%s)", strings.Join(providers, ", ")))
		case len(providers) == 0:
			col.add(tp+".provider", fmt.Sprintf("unknown provider %q", t.Provider),
				fmt.Sprintf("define a provider named %q under providers", t.Provider))
		case !slices.Contains(providers, t.Provider):
			col.add(tp+".provider", fmt.Sprintf("unknown provider %q", t.Provider),
				fmt.Sprintf("use one of the names defined under providers: (%s)", strings.Join(providers, ", ")))
		}
		if t.Model == "" {
			col.add(tp+".model", "model is required", "set the model name sent upstream, e.g. gpt-4.1")
		}
		if k, dup := seen[t]; dup && t.Provider != "" && t.Model != "" {
			col.add(tp, fmt.Sprintf("target %s/%s is already %s[%d]", t.Provider, t.Model, path, k),
				"list each target once; retry.max_attempts sets how often one target is tried")
		} else {
			seen[t] = j
		}
	}
}

func validateValidate(col *collector, path string, v Validate) {
	checkName(col, path+".stream", "stream mode", v.Stream, []string{"buffer", "pass"})
	if len(v.JSONSchema.JSON) > 0 {
		src := "inline schema"
		if v.JSONSchema.Path != "" {
			src = fmt.Sprintf("schema file %q", v.JSONSchema.Path)
		}
		if msg := checkSchemaJSON(v.JSONSchema.JSON); msg != "" {
			col.add(path+".json_schema", src+" is "+msg, "give a JSON Schema object, e.g. {\"type\": \"object\"}")
		} else if msg := compileSchema(v.JSONSchema.JSON); msg != "" {
			col.add(path+".json_schema", src+" is not a valid JSON Schema: "+msg,
				"correct the schema (draft 2020-12, or draft-07 with its $schema), e.g. {\"type\": \"object\"}")
		}
	}
	for k, ch := range v.Checks {
		p := indexPath(path+".checks", k)
		var set []string
		if ch.MinLength != 0 {
			set = append(set, "min_length")
		}
		if ch.Regex != "" {
			set = append(set, "regex")
		}
		if ch.RequiredFields != nil {
			set = append(set, "required_fields")
		}
		switch len(set) {
		case 0:
			col.add(p, "empty check", "set one of min_length, regex or required_fields")
			continue
		case 1:
		default:
			col.add(p, "one check sets "+strings.Join(set, " and "), "write one check per list item")
		}
		if ch.MinLength < 0 {
			col.add(p+".min_length", "must be positive", "write a number of characters such as 20")
		}
		if ch.Regex != "" {
			if _, err := regexp.Compile(ch.Regex); err != nil {
				col.add(p+".regex", "invalid regular expression: "+err.Error(), "use Go RE2 syntax (https://golang.org/s/re2syntax)")
			}
		}
		if ch.RequiredFields != nil && len(ch.RequiredFields) == 0 {
			col.add(p+".required_fields", "empty list", "name at least one field")
		}
		for f, name := range ch.RequiredFields {
			if name == "" {
				col.add(indexPath(p+".required_fields", f), "empty field name", "name a top-level field of the JSON output")
			}
		}
	}
}

// validateRetry checks the keys written under path (zero: inherited) and the
// effective policy eff.
func validateRetry(col *collector, path string, r, eff Retry) {
	if r.MaxAttempts < 0 || r.MaxAttempts == 0 && col.written(path+".max_attempts") {
		col.add(path+".max_attempts", fmt.Sprintf("max_attempts is %d; it must be at least 1", r.MaxAttempts), "write 1 for a single try per target, 3 for up to two retries")
	}
	nonNegative(col, path+".base", r.Base)
	nonNegative(col, path+".cap", r.Cap)
	nonNegative(col, path+".max_wait", r.MaxWait)
	checkName(col, path+".jitter", "jitter", r.Jitter, jitterNames())
	if r.Budget.Ratio < 0 {
		col.add(path+".budget.ratio", "must be positive", "write a fraction of first attempts, e.g. 0.2")
	}
	if r.Budget.MinPerSecond < 0 {
		col.add(path+".budget.min_per_second", "must be positive", "write a rate such as 5")
	}
	belowLower(col, path, "base", "cap", r.Base, r.Cap, eff.Base, eff.Cap)
}

// belowLower reports an upper bound (key hi) set below its lower one (key
// lo): written are the values the keys under path were given (zero: left
// out), eff the effective ones. It is reported at a key the file wrote
// there: a conflict set entirely by the defaults is the defaults' problem,
// not each route's.
func belowLower(col *collector, path, lo, hi string, writtenLo, writtenHi, effLo, effHi Duration) {
	if effLo <= 0 || effHi <= 0 || effHi >= effLo || writtenLo == 0 && writtenHi == 0 {
		return
	}
	key := hi
	if writtenHi == 0 {
		key = lo
	}
	col.add(path+"."+key, fmt.Sprintf("%s %s is below %s %s", hi, effHi, lo, effLo), "raise "+hi+" or lower "+lo)
}

func validateTimeouts(col *collector, path string, t Timeouts) {
	nonNegative(col, path+".attempt", t.Attempt)
	nonNegative(col, path+".first_token", t.FirstToken)
	nonNegative(col, path+".idle", t.Idle)
	nonNegative(col, path+".total", t.Total)
}

// validateBreaker checks the keys written under path and the effective
// settings eff.
func validateBreaker(col *collector, path string, b, eff Breaker) {
	nonNegative(col, path+".window", b.Window)
	nonNegative(col, path+".cooldown", b.Cooldown)
	nonNegative(col, path+".max_cooldown", b.MaxCooldown)
	nonNegative(col, path+".quota_cooldown", b.QuotaCooldown)
	for _, f := range []struct {
		key string
		v   int
	}{{"min_requests", b.MinRequests}, {"consecutive_failures", b.ConsecutiveFailures}, {"half_open_probes", b.HalfOpenProbes}} {
		if f.v < 0 || f.v == 0 && col.written(path+"."+f.key) {
			col.add(path+"."+f.key, fmt.Sprintf("%s is %d; it must be at least 1", f.key, f.v), "write a whole number of at least 1")
		}
	}
	if b.FailureRate < 0 || b.FailureRate > 1 || b.FailureRate == 0 && col.written(path+".failure_rate") {
		col.add(path+".failure_rate", fmt.Sprintf("failure_rate %s is outside (0, 1]", strconv.FormatFloat(b.FailureRate, 'g', -1, 64)),
			"write a fraction such as 0.5 (half the attempts failed)")
	}
	belowLower(col, path, "cooldown", "max_cooldown", b.Cooldown, b.MaxCooldown, eff.Cooldown, eff.MaxCooldown)
}

func validateActions(col *collector, path string, actions map[string]string) {
	var configurable []string
	for _, c := range ConfigurableClasses() {
		configurable = append(configurable, c.String())
	}
	for _, name := range sortedKeys(actions) {
		p := joinPath(path, name)
		class, err := classify.Parse(name)
		switch {
		case err != nil:
			col.add(p, fmt.Sprintf("unknown class %q", name), choiceFix(name, configurable))
			continue
		case class == classify.OK || class == classify.BrokenStream:
			col.add(p, fmt.Sprintf("class %q has no configurable action", name), "remove it; configurable classes: "+strings.Join(configurable, ", "))
			continue
		}
		a, err := ParseAction(actions[name])
		if err != nil {
			msg, fix := problemOf(err)
			col.add(p, msg, fix)
			continue
		}
		if !actionAllowed(class, a) {
			col.add(p, fmt.Sprintf("rejected may only be stop or next, not %s: retrying a rejected request is forbidden", a),
				"use stop (the default) or next")
		}
	}
}

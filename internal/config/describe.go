package config

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/lifelinehq/lifeline/internal/credential"
)

// Describe writes the effective configuration for `lifeline check`: the
// listen address, state store, number of client keys, providers (kind,
// base URL, whether an API key is set, extra header names) and every
// route's resolved settings. It never writes a secret: API keys, client
// keys, header values and URL passwords are left out.
func (c *Config) Describe(w io.Writer) error {
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format+"\n", args...) }
	eff := *c
	eff.Providers = append([]Provider(nil), c.Providers...)
	eff.ApplyDefaults()

	if f := c.File(); f != "" {
		p("config: %s", f)
	}
	p("listen: %s", eff.Listen)
	if eff.State.Backend == "redis" {
		p("state: redis %s timeout=%s", credential.URL(eff.State.RedisURL), eff.State.Timeout)
	} else {
		p("state: %s", eff.State.Backend)
	}
	if len(c.Keys) == 0 {
		p("keys: none (the gateway is open to any client)")
	} else {
		p("keys: %d client key(s)", len(c.Keys))
	}
	inFlight := "none"
	if eff.Limits.MaxInFlight > 0 {
		inFlight = strconv.Itoa(eff.Limits.MaxInFlight)
	}
	p("idempotency.ttl: %s  limits.max_body: %s  limits.max_in_flight: %s  shutdown_grace: %s  log: %s/%s",
		eff.Idempotency.TTL, eff.Limits.MaxBody, inFlight, eff.ShutdownGrace, eff.Log.Level, eff.Log.Format)
	p("providers:")
	for _, pr := range eff.Providers {
		key := "unset"
		if pr.APIKey.IsSet() {
			key = "set"
		}
		line := fmt.Sprintf("  %s: kind=%s base_url=%s api_key: %s", pr.Name, pr.Kind, credential.URL(pr.BaseURL), key)
		if len(pr.Headers) > 0 {
			line += " headers: " + strings.Join(sortedKeys(pr.Headers), ", ")
		}
		p("%s", line)
	}
	p("routes:")
	for _, r := range c.ResolvedRoutes() {
		ids := make([]string, len(r.Targets))
		for i, t := range r.Targets {
			ids[i] = t.ID()
		}
		p("  %s:", r.Name)
		p("    chain: %s", strings.Join(ids, " -> "))
		p("    validate: %s", describeValidate(r.Validate))
		rt := r.Retry
		p("    retry: max_attempts=%d base=%s cap=%s jitter=%s max_wait=%s budget.ratio=%s budget.min_per_second=%s",
			rt.MaxAttempts, Duration(rt.Base), Duration(rt.Cap), rt.Jitter, Duration(rt.MaxWait),
			ftoa(rt.BudgetRatio), ftoa(rt.BudgetMinPerSecond))
		t := r.Timeouts
		p("    timeouts: attempt=%s first_token=%s idle=%s total=%s",
			Duration(t.Attempt), Duration(t.FirstToken), Duration(t.Idle), Duration(t.Total))
		br := r.Breaker
		p("    breaker: window=%s min_requests=%d failure_rate=%s consecutive_failures=%d cooldown=%s max_cooldown=%s half_open_probes=%d quota_cooldown=%s",
			Duration(br.Window), br.MinRequests, ftoa(br.FailureRate), br.ConsecutiveFailures,
			Duration(br.Cooldown), Duration(br.MaxCooldown), br.HalfOpenProbes, Duration(br.QuotaCooldown))
		var acts []string
		for _, cl := range ConfigurableClasses() {
			acts = append(acts, cl.String()+"="+r.Actions[cl].String())
		}
		p("    actions: %s", strings.Join(acts, " "))
	}
	return b.Flush()
}

func describeValidate(v ResolvedValidate) string {
	onOff := func(b bool) string {
		if b {
			return "on"
		}
		return "off"
	}
	parts := []string{"json=" + onOff(v.JSON)}
	if v.SchemaSource != "" {
		parts = append(parts, "json_schema="+v.SchemaSource)
	}
	stream := v.Stream.String()
	if v.Stream == StreamAuto && (v.JSON || v.SchemaSource != "") {
		// The route's own structured-output check applies to every
		// request: auto always buffers.
		stream += "(buffer)"
	}
	parts = append(parts, "stream="+stream, "non_empty="+onOff(v.NonEmpty),
		"tools="+onOff(v.Tools), "request_schema="+onOff(v.RequestSchema))
	for _, ch := range v.Checks {
		switch {
		case ch.MinLength != 0:
			parts = append(parts, "check:min_length="+strconv.Itoa(ch.MinLength))
		case ch.Regex != "":
			parts = append(parts, "check:regex="+strconv.Quote(ch.Regex))
		default:
			parts = append(parts, "check:required_fields="+strings.Join(ch.RequiredFields, ","))
		}
	}
	return strings.Join(parts, " ")
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

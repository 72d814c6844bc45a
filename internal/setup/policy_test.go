package setup_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/backoff"
	"github.com/lifelinehq/lifeline/breaker"
	"github.com/lifelinehq/lifeline/budget"
	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/internal/config"
	"github.com/lifelinehq/lifeline/internal/setup"
	"github.com/lifelinehq/lifeline/wire"
)

// loadYAML writes body (and files, relative to the same folder) to a
// temporary folder and loads it through the real loader.
func loadYAML(t *testing.T, body string, files map[string]string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "lifeline.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	env := func(k string) (string, bool) {
		v, ok := map[string]string{"OPENAI_API_KEY": "sk-openai-test", "CLIENT_KEY": "ck-test"}[k]
		return v, ok
	}
	c, err := config.Load(path, env)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return c
}

// engineRoutes builds every configured route on a real engine, by name.
func engineRoutes(t *testing.T, c *config.Config) map[string]*lifeline.Route {
	t.Helper()
	specs, err := setup.Routes(c)
	if err != nil {
		t.Fatalf("setup.Routes: %v", err)
	}
	e := lifeline.New()
	out := map[string]*lifeline.Route{}
	for _, s := range specs {
		r, err := e.NewRoute(s.Name, s.Chain, s.Options...)
		if err != nil {
			t.Fatalf("NewRoute %s: %v", s.Name, err)
		}
		out[s.Name] = r
	}
	return out
}

const oneProvider = `
providers:
  - {name: p, kind: openai, base_url: "http://127.0.0.1:1/v1"}
`

// custom is a defaults section with every key away from its built-in
// default.
const customDefaults = `
defaults:
  retry: {max_attempts: 7, base: 250ms, cap: 9s, jitter: equal, max_wait: 45s,
          budget: {ratio: 0.35, min_per_second: 2.5}}
  timeouts: {attempt: 90s, first_token: 12s, idle: 7s, total: 4m}
  breaker: {window: 1m, min_requests: 4, failure_rate: 0.25, consecutive_failures: 3,
            cooldown: 15s, max_cooldown: 2m, half_open_probes: 2, quota_cooldown: 20m}
`

// customPolicy is the engine policy customDefaults describes.
func customPolicy() lifeline.Policy {
	p := lifeline.DefaultPolicy()
	p.Retry = lifeline.RetryPolicy{
		MaxAttempts: 7,
		Backoff:     backoff.Policy{Base: 250 * time.Millisecond, Cap: 9 * time.Second, Jitter: backoff.Equal},
		MaxWait:     45 * time.Second,
		Budget:      budget.Config{Ratio: 0.35, MinPerSecond: 2.5},
	}
	p.Timeouts = lifeline.Timeouts{Attempt: 90 * time.Second, FirstToken: 12 * time.Second, Idle: 7 * time.Second, Total: 4 * time.Minute}
	p.Breaker = breaker.Config{
		Window: time.Minute, MinRequests: 4, FailureRate: 0.25, ConsecutiveFailures: 3,
		Cooldown: 15 * time.Second, MaxCooldown: 2 * time.Minute, HalfOpenProbes: 2,
		ProbeLease: 90 * time.Second,
	}
	p.QuotaCooldown = 20 * time.Minute
	return p
}

// timing is the part of a policy that YAML numbers and durations set.
type timing struct {
	Retry         lifeline.RetryPolicy
	Timeouts      lifeline.Timeouts
	Breaker       breaker.Config
	QuotaCooldown time.Duration
}

func timingOf(p lifeline.Policy) timing {
	return timing{p.Retry, p.Timeouts, p.Breaker, p.QuotaCooldown}
}

// TestPolicyFromYAML checks that every retry, timeout and breaker key,
// under defaults and as a per-route override, reaches the engine's policy
// unchanged, and that an absent key takes the defaults section's value
// (itself the built-in default when absent).
func TestPolicyFromYAML(t *testing.T) {
	builtin := lifeline.DefaultPolicy()
	builtin.Breaker.ProbeLease = builtin.Timeouts.Attempt
	tests := []struct {
		name     string
		defaults string // the defaults section
		route    string // extra keys of the route, indented under it
		want     func(p *lifeline.Policy)
		base     lifeline.Policy
	}{
		{name: "absent everywhere", base: builtin},
		{name: "defaults section", defaults: customDefaults, base: customPolicy()},
		{name: "zero duration means default", defaults: "defaults: {retry: {base: 0, max_wait: 0s}, timeouts: {total: 0}}", base: builtin},

		{name: "route max_attempts", defaults: customDefaults, route: "retry: {max_attempts: 2}",
			want: func(p *lifeline.Policy) { p.Retry.MaxAttempts = 2 }},
		{name: "route base", defaults: customDefaults, route: "retry: {base: 100ms}",
			want: func(p *lifeline.Policy) { p.Retry.Backoff.Base = 100 * time.Millisecond }},
		{name: "route cap", defaults: customDefaults, route: "retry: {cap: 30s}",
			want: func(p *lifeline.Policy) { p.Retry.Backoff.Cap = 30 * time.Second }},
		{name: "route jitter none", defaults: customDefaults, route: "retry: {jitter: none}",
			want: func(p *lifeline.Policy) { p.Retry.Backoff.Jitter = backoff.None }},
		{name: "route jitter decorrelated", defaults: customDefaults, route: "retry: {jitter: decorrelated}",
			want: func(p *lifeline.Policy) { p.Retry.Backoff.Jitter = backoff.Decorrelated }},
		{name: "route jitter full over equal", defaults: customDefaults, route: "retry: {jitter: full}",
			want: func(p *lifeline.Policy) { p.Retry.Backoff.Jitter = backoff.Full }},
		{name: "route max_wait", defaults: customDefaults, route: "retry: {max_wait: 5s}",
			want: func(p *lifeline.Policy) { p.Retry.MaxWait = 5 * time.Second }},
		{name: "route budget ratio", defaults: customDefaults, route: "retry: {budget: {ratio: 0.9}}",
			want: func(p *lifeline.Policy) { p.Retry.Budget.Ratio = 0.9 }},
		{name: "route budget min_per_second", defaults: customDefaults, route: "retry: {budget: {min_per_second: 11}}",
			want: func(p *lifeline.Policy) { p.Retry.Budget.MinPerSecond = 11 }},
		{name: "route attempt timeout", defaults: customDefaults, route: "timeouts: {attempt: 10s}",
			want: func(p *lifeline.Policy) {
				p.Timeouts.Attempt = 10 * time.Second
				p.Breaker.ProbeLease = 10 * time.Second
			}},
		{name: "route first_token", defaults: customDefaults, route: "timeouts: {first_token: 3s}",
			want: func(p *lifeline.Policy) { p.Timeouts.FirstToken = 3 * time.Second }},
		{name: "route idle", defaults: customDefaults, route: "timeouts: {idle: 2s}",
			want: func(p *lifeline.Policy) { p.Timeouts.Idle = 2 * time.Second }},
		{name: "route total", defaults: customDefaults, route: "timeouts: {total: 60s}",
			want: func(p *lifeline.Policy) { p.Timeouts.Total = time.Minute }},
		{name: "route window", defaults: customDefaults, route: "breaker: {window: 10s}",
			want: func(p *lifeline.Policy) { p.Breaker.Window = 10 * time.Second }},
		{name: "route min_requests", defaults: customDefaults, route: "breaker: {min_requests: 20}",
			want: func(p *lifeline.Policy) { p.Breaker.MinRequests = 20 }},
		{name: "route failure_rate", defaults: customDefaults, route: "breaker: {failure_rate: 1}",
			want: func(p *lifeline.Policy) { p.Breaker.FailureRate = 1 }},
		{name: "route consecutive_failures", defaults: customDefaults, route: "breaker: {consecutive_failures: 8}",
			want: func(p *lifeline.Policy) { p.Breaker.ConsecutiveFailures = 8 }},
		{name: "route cooldown", defaults: customDefaults, route: "breaker: {cooldown: 1m}",
			want: func(p *lifeline.Policy) { p.Breaker.Cooldown = time.Minute }},
		{name: "route max_cooldown", defaults: customDefaults, route: "breaker: {max_cooldown: 1h}",
			want: func(p *lifeline.Policy) { p.Breaker.MaxCooldown = time.Hour }},
		{name: "route half_open_probes", defaults: customDefaults, route: "breaker: {half_open_probes: 3}",
			want: func(p *lifeline.Policy) { p.Breaker.HalfOpenProbes = 3 }},
		{name: "route quota_cooldown", defaults: customDefaults, route: "breaker: {quota_cooldown: 1h30m}",
			want: func(p *lifeline.Policy) { p.QuotaCooldown = 90 * time.Minute }},
		{name: "route override without defaults section", route: "retry: {max_attempts: 1}\n    breaker: {quota_cooldown: 1m}",
			base: builtin, want: func(p *lifeline.Policy) { p.Retry.MaxAttempts = 1; p.QuotaCooldown = time.Minute }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			route := ""
			if tt.route != "" {
				route = "\n    " + tt.route
			}
			y := oneProvider + "routes:\n  - name: r\n    chain: [{provider: p, model: m}]" + route + "\n" + tt.defaults + "\n"
			got := engineRoutes(t, loadYAML(t, y, nil))["r"].Policy()
			want := tt.base
			if reflect.DeepEqual(want, lifeline.Policy{}) {
				want = customPolicy()
			}
			if tt.want != nil {
				tt.want(&want)
			}
			if g, w := timingOf(got), timingOf(want); !reflect.DeepEqual(g, w) {
				t.Errorf("policy\n got %+v\nwant %+v", g, w)
			}
		})
	}
}

// TestOverrideDoesNotLeak checks that one route's overrides leave the
// other routes on the defaults.
func TestOverrideDoesNotLeak(t *testing.T) {
	y := oneProvider + `
routes:
  - name: a
    chain: [{provider: p, model: m}]
    retry: {max_attempts: 1}
    timeouts: {total: 5s}
    breaker: {cooldown: 1s}
    actions: {transient: stop}
  - name: b
    chain: [{provider: p, model: m}]
` + customDefaults
	routes := engineRoutes(t, loadYAML(t, y, nil))
	if got, want := timingOf(routes["b"].Policy()), timingOf(customPolicy()); !reflect.DeepEqual(got, want) {
		t.Errorf("route b\n got %+v\nwant %+v", got, want)
	}
	if got := routes["b"].Policy().Actions.For(classify.Transient); got != lifeline.Retry {
		t.Errorf("route b transient action = %v, want retry", got)
	}
	a := routes["a"].Policy()
	if a.Retry.MaxAttempts != 1 || a.Timeouts.Total != 5*time.Second || a.Breaker.Cooldown != time.Second {
		t.Errorf("route a overrides lost: %+v", timingOf(a))
	}
}

// TestActionsFromYAML checks every configurable class's action.
func TestActionsFromYAML(t *testing.T) {
	y := oneProvider + `
routes:
  - name: set
    chain: [{provider: p, model: m}]
    actions: {invalid: stop, wait: next, exhausted: stop, overloaded: retry, transient: wait,
              rejected: next, too_large: stop, auth: stop, not_found: reroute}
  - name: default
    chain: [{provider: p, model: m}]
`
	routes := engineRoutes(t, loadYAML(t, y, nil))
	set := map[classify.Class]lifeline.Action{
		classify.Invalid: lifeline.Stop, classify.Wait: lifeline.Next, classify.Exhausted: lifeline.Stop,
		classify.Overloaded: lifeline.Retry, classify.Transient: lifeline.Wait, classify.Rejected: lifeline.Next,
		classify.TooLarge: lifeline.Stop, classify.Auth: lifeline.Stop, classify.NotFound: lifeline.Reroute,
	}
	for _, c := range config.ConfigurableClasses() {
		want, ok := set[c]
		if !ok {
			t.Fatalf("class %v missing from the test", c)
		}
		if got := routes["set"].Policy().Actions.For(c); got != want {
			t.Errorf("set: %v -> %v, want %v", c, got, want)
		}
		def, _ := config.DefaultAction(c)
		if got := routes["default"].Policy().Actions.For(c); got != def {
			t.Errorf("default: %v -> %v, want %v", c, got, def)
		}
	}
}

// TestValidateFromYAML checks the validate keys.
func TestValidateFromYAML(t *testing.T) {
	const schema = `{"type":"object","required":["answer"]}`
	y := oneProvider + `
routes:
  - name: plain
    chain: [{provider: p, model: m}]
  - name: all
    chain: [{provider: p, model: m}]
    validate:
      json: true
      json_schema: {type: object, required: [answer]}
      non_empty: true
      tools: false
      request_schema: false
      stream: buffer
      checks:
        - min_length: 20
        - regex: '^\{'
        - required_fields: [answer, sources]
  - name: file
    chain: [{provider: p, model: m}]
    validate: {json_schema: schemas/answer.json, stream: pass}
  - name: explicit-true
    chain: [{provider: p, model: m}]
    validate: {tools: true, request_schema: true}
`
	routes := engineRoutes(t, loadYAML(t, y, map[string]string{"schemas/answer.json": schema}))

	plain := routes["plain"].Policy()
	if v := plain.Validate; v.JSON || v.Schema != nil || v.NonEmpty || v.NoTools || v.NoRequestSchema || len(v.Custom) != 0 {
		t.Errorf("plain: %+v, want zero spec", v)
	}
	if plain.Stream != lifeline.StreamAuto {
		t.Errorf("plain stream = %v, want auto", plain.Stream)
	}

	all := routes["all"].Policy()
	v := all.Validate
	if !v.JSON || !v.NonEmpty || !v.NoTools || !v.NoRequestSchema {
		t.Errorf("all: flags %+v", v)
	}
	if !jsonEqual(t, v.Schema, []byte(schema)) {
		t.Errorf("all: inline schema = %s", v.Schema)
	}
	if all.Stream != lifeline.StreamBuffer {
		t.Errorf("all: stream = %v, want buffer", all.Stream)
	}
	var names []string
	for _, c := range v.Custom {
		names = append(names, c.Name)
	}
	if !reflect.DeepEqual(names, []string{"min_length", "regex", "required_fields"}) {
		t.Fatalf("all: checks %v", names)
	}
	short := &wire.Output{Text: `{"answer": 1, "sources": []}`}
	if err := v.Custom[0].Check(&wire.Output{Text: "too short"}); err == nil {
		t.Error("min_length 20 accepted 9 characters")
	}
	if err := v.Custom[0].Check(short); err != nil {
		t.Errorf("min_length 20 refused %d characters: %v", len(short.Text), err)
	}
	if err := v.Custom[1].Check(&wire.Output{Text: "x{"}); err == nil {
		t.Error(`regex ^\{ accepted "x{"`)
	}
	if err := v.Custom[2].Check(&wire.Output{Text: `{"answer": 1}`}); err == nil {
		t.Error("required_fields accepted a missing field")
	}
	if err := v.Custom[2].Check(short); err != nil {
		t.Errorf("required_fields refused %s: %v", short.Text, err)
	}

	file := routes["file"].Policy()
	if !jsonEqual(t, file.Validate.Schema, []byte(schema)) {
		t.Errorf("file: schema = %s", file.Validate.Schema)
	}
	if file.Stream != lifeline.StreamPass {
		t.Errorf("file: stream = %v, want pass", file.Stream)
	}
	if et := routes["explicit-true"].Policy().Validate; et.NoTools || et.NoRequestSchema {
		t.Errorf("explicit-true: %+v", et)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		return false
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

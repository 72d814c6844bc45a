package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/backoff"
	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/wire"
)

// testEnv is an environment holding the given variables.
func testEnv(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

var specEnv = testEnv("LIFELINE_CLIENT_KEY", "client-secret-1", "ANTHROPIC_API_KEY", "sk-ant-secret", "OPENAI_API_KEY", "sk-oai-secret")

// minimal is the smallest valid configuration.
const minimal = `
providers:
  - {name: openai, kind: openai}
routes:
  - {name: fast, chain: [{provider: openai, model: gpt-4.1-mini}]}
`

func mustParse(t *testing.T, src string) *Config {
	t.Helper()
	c, err := Parse("lifeline.yaml", []byte(src), t.TempDir(), testEnv())
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestSpecExample(t *testing.T) {
	c, err := Load("testdata/lifeline.yaml", specEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.State.Backend != "memory" || c.ShutdownGrace.D() != 30*time.Second ||
		c.Idempotency.TTL.D() != 24*time.Hour || c.Limits.MaxBody != 32<<20 || c.File() != "testdata/lifeline.yaml" {
		t.Errorf("top level: %+v", c)
	}
	if len(c.Keys) != 1 || c.Keys[0].Key.Reveal() != "client-secret-1" || !reflect.DeepEqual(c.Keys[0].Routes, []string{"*"}) {
		t.Errorf("keys: %+v", c.Keys)
	}
	if c.Providers[0].APIKey.Reveal() != "sk-ant-secret" || c.Providers[1].APIKey.Reveal() != "sk-oai-secret" {
		t.Error("provider keys not substituted")
	}
	routes := c.ResolvedRoutes()
	if len(routes) != 1 {
		t.Fatalf("routes: %d", len(routes))
	}
	r := routes[0]
	schema, err := os.ReadFile("testdata/schemas/answer.json")
	if err != nil {
		t.Fatal(err)
	}
	want := ResolvedRoute{
		Name: "smart",
		Targets: []ResolvedTarget{
			{Provider: "anthropic", Model: "claude-sonnet-4-5", Kind: wire.Anthropic, BaseURL: "https://api.anthropic.com", APIKey: "sk-ant-secret"},
			{Provider: "openai", Model: "gpt-4.1", Kind: wire.OpenAI, BaseURL: "https://api.openai.com/v1", APIKey: "sk-oai-secret"},
		},
		Validate: ResolvedValidate{Schema: schema, SchemaSource: "schemas/answer.json", Stream: StreamBuffer, Tools: true, RequestSchema: true, Checks: []Check{}},
		Retry: ResolvedRetry{MaxAttempts: 2, Base: 500 * time.Millisecond, Cap: 20 * time.Second, Jitter: backoff.Full,
			MaxWait: 60 * time.Second, BudgetRatio: 0.2, BudgetMinPerSecond: 5},
		Timeouts: ResolvedTimeouts{Attempt: 120 * time.Second, FirstToken: 30 * time.Second, Idle: 30 * time.Second, Total: 300 * time.Second},
		Breaker: ResolvedBreaker{Window: 30 * time.Second, MinRequests: 10, FailureRate: 0.5, ConsecutiveFailures: 5,
			Cooldown: 30 * time.Second, MaxCooldown: 5 * time.Minute, HalfOpenProbes: 1, QuotaCooldown: 10 * time.Minute},
		Actions: DefaultActions(),
	}
	if r.Validate.Checks == nil {
		want.Validate.Checks = nil
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("resolved route\n got %#v\nwant %#v", r, want)
	}
	if !json.Valid(r.Validate.Schema) {
		t.Error("schema is not JSON")
	}
}

func TestDefaultsWhenOmitted(t *testing.T) {
	c := mustParse(t, minimal)
	d := Default()
	if c.Listen != d.Listen || c.State != d.State || c.Idempotency != d.Idempotency || c.Limits != d.Limits ||
		c.ShutdownGrace != d.ShutdownGrace || c.Log != d.Log || c.Defaults != DefaultDefaults() {
		t.Errorf("defaults not applied:\n got %+v\nwant %+v", c, d)
	}
	if d.Listen != "127.0.0.1:8080" || d.Limits.MaxBody != 32<<20 || d.Idempotency.TTL.D() != 24*time.Hour ||
		d.ShutdownGrace.D() != 30*time.Second || d.Log.Level != "info" || d.Log.Format != "text" || d.State.Backend != "memory" {
		t.Errorf("Default() = %+v", d)
	}
	if c.Providers[0].BaseURL != "https://api.openai.com/v1" {
		t.Errorf("default base_url = %q", c.Providers[0].BaseURL)
	}
	r := c.ResolvedRoutes()[0]
	want := ResolvedRetry{MaxAttempts: 3, Base: 500 * time.Millisecond, Cap: 20 * time.Second, Jitter: backoff.Full,
		MaxWait: time.Minute, BudgetRatio: 0.2, BudgetMinPerSecond: 5}
	if r.Retry != want {
		t.Errorf("retry = %+v, want %+v", r.Retry, want)
	}
	if r.Validate.Stream != StreamAuto || !r.Validate.Tools || !r.Validate.RequestSchema || r.Validate.NonEmpty || r.Validate.Schema != nil {
		t.Errorf("validate = %+v", r.Validate)
	}
	if r.Targets[0].ID() != "openai/gpt-4.1-mini" || r.Targets[0].BaseURL != "https://api.openai.com/v1" || r.Targets[0].APIKey.IsSet() {
		t.Errorf("target = %+v", r.Targets[0])
	}
	wantActions := map[classify.Class]Action{
		classify.Invalid: ActionNext, classify.Wait: ActionWait, classify.Exhausted: ActionNext,
		classify.Overloaded: ActionReroute, classify.Transient: ActionRetry, classify.Rejected: ActionStop,
		classify.TooLarge: ActionNext, classify.Auth: ActionNext, classify.NotFound: ActionNext,
	}
	if !reflect.DeepEqual(r.Actions, wantActions) {
		t.Errorf("actions = %v", r.Actions)
	}
}

func TestRouteOverridesMergeFieldByField(t *testing.T) {
	c := mustParse(t, `
providers: [{name: p, kind: anthropic}]
defaults:
  retry: {max_attempts: 4, base: 1s, budget: {ratio: 0.5}}
  timeouts: {total: 90s}
  breaker: {cooldown: 10s, failure_rate: 0.3}
routes:
  - name: a
    chain: [{provider: p, model: m}]
    retry: {cap: 5s, jitter: equal, budget: {min_per_second: 2}}
    timeouts: {idle: 5s}
    breaker: {min_requests: 20, quota_cooldown: 1h}
    actions: {overloaded: next, transient: stop, rejected: next, wait: retry}
  - name: b
    chain: [{provider: p, model: m}]
`)
	rs := c.ResolvedRoutes()
	a, b := rs[0], rs[1]
	wantA := ResolvedRetry{MaxAttempts: 4, Base: time.Second, Cap: 5 * time.Second, Jitter: backoff.Equal,
		MaxWait: time.Minute, BudgetRatio: 0.5, BudgetMinPerSecond: 2}
	if a.Retry != wantA {
		t.Errorf("a.retry = %+v, want %+v", a.Retry, wantA)
	}
	wantB := ResolvedRetry{MaxAttempts: 4, Base: time.Second, Cap: 20 * time.Second, Jitter: backoff.Full,
		MaxWait: time.Minute, BudgetRatio: 0.5, BudgetMinPerSecond: 5}
	if b.Retry != wantB {
		t.Errorf("b.retry = %+v, want %+v", b.Retry, wantB)
	}
	if a.Timeouts != (ResolvedTimeouts{Attempt: 120 * time.Second, FirstToken: 30 * time.Second, Idle: 5 * time.Second, Total: 90 * time.Second}) {
		t.Errorf("a.timeouts = %+v", a.Timeouts)
	}
	wantBr := ResolvedBreaker{Window: 30 * time.Second, MinRequests: 20, FailureRate: 0.3, ConsecutiveFailures: 5,
		Cooldown: 10 * time.Second, MaxCooldown: 5 * time.Minute, HalfOpenProbes: 1, QuotaCooldown: time.Hour}
	if a.Breaker != wantBr {
		t.Errorf("a.breaker = %+v, want %+v", a.Breaker, wantBr)
	}
	if b.Breaker.MinRequests != 10 || b.Breaker.QuotaCooldown != 10*time.Minute || b.Breaker.Cooldown != 10*time.Second {
		t.Errorf("b.breaker = %+v", b.Breaker)
	}
	for class, want := range map[classify.Class]Action{
		classify.Overloaded: ActionNext, classify.Transient: ActionStop, classify.Rejected: ActionNext,
		classify.Wait: ActionRetry, classify.Invalid: ActionNext, classify.Exhausted: ActionNext,
	} {
		if a.Actions[class] != want {
			t.Errorf("a.actions[%s] = %s, want %s", class, a.Actions[class], want)
		}
	}
	if b.Actions[classify.Overloaded] != ActionReroute || b.Actions[classify.Rejected] != ActionStop {
		t.Errorf("b.actions = %v", b.Actions)
	}
}

func TestValidateSection(t *testing.T) {
	c := mustParse(t, `
providers: [{name: p, kind: openai, headers: {OpenAI-Organization: org-1}}]
routes:
  - name: a
    chain: [{provider: p, model: m}]
    validate:
      json: true
      non_empty: true
      tools: false
      request_schema: false
      stream: pass
      json_schema: {type: object, required: [answer], properties: {answer: {type: string, minLength: 1}}}
      checks:
        - min_length: 20
        - regex: '^\{'
        - required_fields: [answer, sources]
`)
	v := c.ResolvedRoutes()[0].Validate
	if !v.JSON || !v.NonEmpty || v.Tools || v.RequestSchema || v.Stream != StreamPass || v.SchemaSource != "inline" {
		t.Errorf("validate = %+v", v)
	}
	var schema map[string]any
	if err := json.Unmarshal(v.Schema, &schema); err != nil || schema["type"] != "object" {
		t.Errorf("inline schema = %s (%v)", v.Schema, err)
	}
	wantChecks := []Check{{MinLength: 20}, {Regex: `^\{`}, {RequiredFields: []string{"answer", "sources"}}}
	if !reflect.DeepEqual(v.Checks, wantChecks) {
		t.Errorf("checks = %+v", v.Checks)
	}
	if h := c.ResolvedRoutes()[0].Targets[0].Headers; h["OpenAI-Organization"] != "org-1" {
		t.Errorf("headers = %v", h)
	}
}

func TestSchemaFileRelativeToConfigFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "conf", "schemas"), 0o755); err != nil {
		t.Fatal(err)
	}
	schema := `{"type": "object", "required": ["x"]}`
	if err := os.WriteFile(filepath.Join(dir, "conf", "schemas", "x.json"), []byte(schema), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := minimal + `    validate: {json_schema: schemas/x.json}` + "\n"
	cfg = strings.Replace(cfg, "  - {name: fast, chain: [{provider: openai, model: gpt-4.1-mini}]}\n",
		"  - name: fast\n    chain: [{provider: openai, model: gpt-4.1-mini}]\n", 1)
	path := filepath.Join(dir, "conf", "lifeline.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	// The working directory is not the config's folder: the path must be
	// resolved against the file's folder all the same.
	c, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := c.ResolvedRoutes()[0].Validate
	if string(v.Schema) != schema || v.SchemaSource != "schemas/x.json" {
		t.Errorf("schema = %q from %q", v.Schema, v.SchemaSource)
	}
	// Parse takes the folder explicitly.
	c, err = Parse("inline.yaml", []byte(cfg), filepath.Join(dir, "conf"), nil)
	if err != nil || string(c.Routes[0].Validate.JSONSchema.JSON) != schema {
		t.Errorf("Parse with dir: %v", err)
	}
}

func TestInlineSchemaAsJSONString(t *testing.T) {
	c := mustParse(t, strings.Replace(minimal, "model: gpt-4.1-mini}]}", "model: gpt-4.1-mini}], validate: {json_schema: '{\"type\": \"object\"}'}}", 1))
	v := c.ResolvedRoutes()[0].Validate
	if string(v.Schema) != `{"type": "object"}` || v.SchemaSource != "inline" {
		t.Errorf("schema = %q (%s)", v.Schema, v.SchemaSource)
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	c := mustParse(t, `
providers: [{name: p, kind: openai}]
x-chain: &chain
  - {provider: p, model: m}
routes:
  - &base
    name: a
    chain: *chain
    retry: {max_attempts: 5}
  - <<: *base
    name: b
`)
	if len(c.Routes) != 2 || c.Routes[1].Name != "b" || c.Routes[1].Retry.MaxAttempts != 5 || c.Routes[1].Chain[0].Model != "m" {
		t.Errorf("routes = %+v", c.Routes)
	}
}

func TestDescribeNeverPrintsSecrets(t *testing.T) {
	src, err := os.ReadFile("testdata/lifeline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(src), "state: {backend: memory}", "state: {backend: redis, redis_url: \"redis://:${REDIS_PASSWORD}@cache:6379/0\"}", 1)
	cfg = strings.Replace(cfg, "api_key: \"${OPENAI_API_KEY}\"}", "api_key: \"${OPENAI_API_KEY:-}\", headers: {X-Extra: header-secret}}", 1)
	// A key carried in the base URL's query, as some providers take it.
	cfg = strings.Replace(cfg, "base_url: https://api.openai.com/v1,", "base_url: \"https://api.openai.com/v1?api-key=query-secret&api-version=2024-10-21\",", 1)
	env := testEnv("LIFELINE_CLIENT_KEY", "client-secret-1", "ANTHROPIC_API_KEY", "sk-ant-secret",
		"OPENAI_API_KEY", "", "REDIS_PASSWORD", "redis-secret")
	c, err := Parse("lifeline.yaml", []byte(cfg), "testdata", env)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := c.Describe(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, secret := range []string{"client-secret-1", "sk-ant-secret", "redis-secret", "header-secret", "query-secret"} {
		if strings.Contains(out, secret) {
			t.Errorf("Describe printed %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{
		"keys: 1 client key(s)",
		"anthropic: kind=anthropic base_url=https://api.anthropic.com api_key: set",
		"openai: kind=openai base_url=https://api.openai.com/v1?api-key=xxxxx&api-version=2024-10-21 api_key: unset headers: X-Extra",
		"state: redis redis://:xxxxx@cache:6379/0 timeout=500ms",
		"chain: anthropic/claude-sonnet-4-5 -> openai/gpt-4.1",
		"retry: max_attempts=2 base=500ms cap=20s jitter=full max_wait=1m",
		"actions: invalid=next wait=wait exhausted=next overloaded=reroute transient=retry rejected=stop too_large=next auth=next not_found=next",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Describe output lacks %q:\n%s", want, out)
		}
	}
}

func TestKeyAllows(t *testing.T) {
	for _, tc := range []struct {
		routes []string
		route  string
		want   bool
	}{
		{nil, "a", true}, {[]string{"*"}, "a", true}, {[]string{"a", "b"}, "b", true}, {[]string{"a"}, "b", false},
	} {
		if got := (Key{Routes: tc.routes}).Allows(tc.route); got != tc.want {
			t.Errorf("Key%v.Allows(%q) = %v", tc.routes, tc.route, got)
		}
	}
}

func TestValidateConfigBuiltInCode(t *testing.T) {
	c := &Config{
		Providers: []Provider{{Name: "openai", Kind: "openai", APIKey: "sk-x"}},
		Routes:    []Route{{Name: "r", Chain: []Target{{Provider: "opnai", Model: "m"}}}},
	}
	err := c.Validate()
	want := `routes[0].chain[0].provider: unknown provider "opnai"; fix: use one of the names defined under providers: (openai)`
	if err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want %s", err, want)
	}
	c.Routes[0].Chain[0].Provider = "openai"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if rs := c.ResolvedRoutes(); rs[0].Retry.MaxAttempts != 3 || rs[0].Targets[0].BaseURL != "https://api.openai.com/v1" {
		t.Errorf("resolved without ApplyDefaults: %+v", rs[0])
	}
}

func TestWindowsLineEndingsAndByteOrderMark(t *testing.T) {
	src := "\xef\xbb\xbf" + strings.ReplaceAll(base+"    retry: {base: 1s} # ${NOT_SET}\n", "\n", "\r\n")
	c, err := Parse("lifeline.yaml", []byte(src), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Routes[0].Retry.Base.D() != time.Second || c.Routes[0].Chain[0].Model != "m" {
		t.Errorf("routes = %+v", c.Routes)
	}
	_, err = Parse("lifeline.yaml", []byte(strings.ReplaceAll(base+"    retry: {bse: 1s}\n", "\n", "\r\n")), "", nil)
	if err == nil || !strings.HasPrefix(err.Error(), `lifeline.yaml:7: routes[0].retry.bse: unknown key "bse"; fix: did you mean "base"?`) {
		t.Errorf("error: %v", err)
	}
}

// check says what auto means for a route: it always buffers when the
// route's own JSON or schema check applies, and depends on the request
// otherwise.
func TestDescribeSaysWhenAutoBuffers(t *testing.T) {
	c := mustParse(t, `
providers: [{name: p, kind: openai}]
routes:
  - {name: structured, chain: [{provider: p, model: m}], validate: {json: true}}
  - {name: plain, chain: [{provider: p, model: m}]}
`)
	var b strings.Builder
	if err := c.Describe(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "json=on stream=auto(buffer) ") || !strings.Contains(out, "json=off stream=auto non_empty") {
		t.Fatalf("Describe output:\n%s", out)
	}
}

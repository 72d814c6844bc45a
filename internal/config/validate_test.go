package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Shared heads of the test configurations. provs is lines 1–3, route is
// lines 4–6; whatever a case appends starts on line 7 (inside routes[0]
// when indented by four spaces).
const (
	provs = "providers:\n  - {name: anthropic, kind: anthropic}\n  - {name: openai, kind: openai}\n"
	route = "routes:\n  - name: smart\n    chain: [{provider: openai, model: m}]\n"
	base  = provs + route
)

func TestValidationErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"bad.json": `{"type": "object",}`, "list.json": `[1, 2]`, "ref.json": `{"$ref": "other.json"}`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, yaml, want string
	}{
		// References between sections.
		{"unknown provider in chain",
			provs + "routes:\n  - name: smart\n    chain:\n      - {provider: anthropic, model: a}\n      - {provider: opnai, model: b}\n",
			`lifeline.yaml:8: routes[0].chain[1].provider: unknown provider "opnai"; fix: use one of the names defined under providers: (anthropic, openai)`},
		{"chain target without provider",
			provs + "routes:\n  - name: smart\n    chain: [{model: m}]\n",
			`lifeline.yaml:6: routes[0].chain[0].provider: provider is required; fix: use one of the names defined under providers: (anthropic, openai)`},
		{"chain target without model",
			provs + "routes:\n  - name: smart\n    chain:\n      - provider: openai\n",
			`lifeline.yaml:7: routes[0].chain[0].model: model is required; fix: set the model name sent upstream, e.g. gpt-4.1`},
		{"empty chain",
			provs + "routes:\n  - name: smart\n    chain: []\n",
			`lifeline.yaml:6: routes[0].chain: empty chain; fix: list at least one target: {provider: NAME, model: MODEL}`},
		{"missing chain",
			provs + "routes:\n  - name: smart\n",
			`lifeline.yaml:5: routes[0].chain: empty chain; fix: list at least one target: {provider: NAME, model: MODEL}`},
		{"duplicate target",
			provs + "routes:\n  - name: smart\n    chain:\n      - {provider: openai, model: m}\n      - {provider: openai, model: m}\n",
			`lifeline.yaml:8: routes[0].chain[1]: target openai/m is already routes[0].chain[0]; fix: list each target once; retry.max_attempts sets how often one target is tried`},
		{"key for unknown route",
			base + "keys:\n  - {key: k1, routes: [smart, smrt]}\n",
			`lifeline.yaml:8: keys[0].routes[1]: unknown route "smrt"; fix: use "*" or one of the route names: (smart)`},
		{"empty client key",
			base + "keys:\n  - {key: \"\", routes: [\"*\"]}\n",
			`lifeline.yaml:8: keys[0].key: empty client key; fix: set it, usually to "${LIFELINE_CLIENT_KEY}", or remove the entry`},
		{"duplicate client key",
			base + "keys:\n  - {key: k1}\n  - {key: k1}\n",
			`lifeline.yaml:9: keys[1].key: same key as keys[0]; fix: merge the two entries' routes into one`},

		// Providers.
		{"duplicate provider name",
			provs + "  - {name: openai, kind: openai}\n" + route,
			`lifeline.yaml:4: providers[2].name: duplicate provider name "openai" (also providers[1]); fix: give each provider a unique name`},
		{"provider without name",
			provs + "  - {kind: openai}\n" + route,
			`lifeline.yaml:4: providers[2].name: name is required; fix: give the provider a name to use in chains, e.g. openai`},
		{"provider name with a slash",
			provs + "  - {name: my/openai, kind: openai}\n" + route,
			`lifeline.yaml:4: providers[2].name: provider name "my/openai" has characters other than letters, digits, '.', '_' and '-'; fix: rename it; targets are named provider/model, so '/' and spaces are not allowed`},
		{"provider without kind",
			provs + "  - {name: local}\n" + route,
			`lifeline.yaml:4: providers[2].kind: kind is required; fix: use one of: anthropic, openai`},
		{"unknown kind",
			provs + "  - {name: local, kind: opnai}\n" + route,
			`lifeline.yaml:4: providers[2].kind: unknown kind "opnai"; fix: did you mean "openai"? use one of: anthropic, openai (openai covers every OpenAI-compatible server)`},
		{"relative base_url",
			provs + "  - name: local\n    kind: openai\n    base_url: localhost:11434/v1\n" + route,
			`lifeline.yaml:6: providers[2].base_url: base_url "localhost:11434/v1" is not an absolute http(s) URL; fix: write an absolute URL with scheme and host, e.g. https://api.openai.com/v1`},
		{"base_url with another scheme",
			provs + "  - {name: local, kind: openai, base_url: \"ftp://host/v1\"}\n" + route,
			`lifeline.yaml:4: providers[2].base_url: base_url "ftp://host/v1" is not an absolute http(s) URL; fix: write an absolute URL with scheme and host, e.g. https://api.openai.com/v1`},
		{"relative base_url of an anthropic provider",
			provs + "  - {name: claude, kind: anthropic, base_url: api.anthropic.com}\n" + route,
			`lifeline.yaml:4: providers[2].base_url: base_url "api.anthropic.com" is not an absolute http(s) URL; fix: write an absolute URL with scheme and host, e.g. https://api.anthropic.com`},
		{"base_url password is not echoed",
			provs + "  - {name: local, kind: openai, base_url: \"ftp://u:hunter2@host\"}\n" + route,
			`lifeline.yaml:4: providers[2].base_url: base_url "ftp://u:xxxxx@host" is not an absolute http(s) URL; fix: write an absolute URL with scheme and host, e.g. https://api.openai.com/v1`},
		{"invalid header name",
			provs + "  - name: local\n    kind: openai\n    headers: {\"X Bad\": v}\n" + route,
			`lifeline.yaml:6: providers[2].headers.X Bad: invalid header name "X Bad"; fix: use letters, digits and '-' only`},
		{"control character in a header value",
			provs + "  - name: local\n    kind: openai\n    headers: {X-Team: \"a\\x01b\"}\n" + route,
			`lifeline.yaml:6: providers[2].headers.X-Team: header value contains a control character, which HTTP does not allow; fix: write printable characters only`},
		{"no providers",
			"routes:\n  - {name: smart, chain: [{provider: openai, model: m}]}\n",
			`lifeline.yaml:2: routes[0].chain[0].provider: unknown provider "openai"; fix: define a provider named "openai" under providers` + "\n" +
				`lifeline.yaml: providers: no providers defined; fix: add at least one provider with a name and a kind`},

		// Routes.
		{"no routes", provs,
			`lifeline.yaml: routes: no routes defined; fix: add at least one route with a name and a chain`},
		{"route without name",
			provs + "routes:\n  - chain: [{provider: openai, model: m}]\n",
			`lifeline.yaml:5: routes[0].name: name is required; fix: set the name clients send as "model"`},
		{"duplicate route name",
			base + "  - {name: smart, chain: [{provider: openai, model: m2}]}\n",
			`lifeline.yaml:7: routes[1].name: duplicate route name "smart" (also routes[0]); fix: give each route a unique name`},
		{"route name with a space",
			provs + "routes:\n  - {name: my route, chain: [{provider: openai, model: m}]}\n",
			`lifeline.yaml:5: routes[0].name: route name "my route" contains whitespace; fix: remove the spaces`},

		// Validation settings.
		{"unknown stream mode",
			base + "    validate: {stream: buffered}\n",
			`lifeline.yaml:7: routes[0].validate.stream: unknown stream mode "buffered"; fix: did you mean "buffer"? use one of: buffer, pass`},
		{"schema file missing",
			base + "    validate: {json_schema: schemas/nope.json}\n",
			`lifeline.yaml:7: routes[0].validate.json_schema: schema file "schemas/nope.json": no such file (looked at ` + filepath.Join(dir, "schemas/nope.json") + `); fix: write the path relative to the configuration file's folder, or give the schema inline`},
		{"schema file not JSON",
			base + "    validate: {json_schema: bad.json}\n",
			`lifeline.yaml:7: routes[0].validate.json_schema: schema file "bad.json" is not valid JSON: invalid character '}' looking for beginning of object key string; fix: give a JSON Schema object, e.g. {"type": "object"}`},
		{"schema file not an object",
			base + "    validate: {json_schema: list.json}\n",
			`lifeline.yaml:7: routes[0].validate.json_schema: schema file "list.json" is not a JSON object; fix: give a JSON Schema object, e.g. {"type": "object"}`},
		{"inline schema string not JSON",
			base + "    validate: {json_schema: '{type: object}'}\n",
			`lifeline.yaml:7: routes[0].validate.json_schema: inline schema is not valid JSON: invalid character 't' looking for beginning of object key string; fix: give a JSON Schema object, e.g. {"type": "object"}`},
		{"inline schema that is not a valid JSON Schema",
			base + "    validate: {json_schema: {type: 5}}\n",
			`lifeline.yaml:7: routes[0].validate.json_schema: inline schema is not a valid JSON Schema: not a valid schema for its draft: at /type: 'anyOf' failed, first branch: value must be one of 'array', 'boolean', 'integer', 'null', 'number', 'object', 'string' (and 1 more); fix: correct the schema (draft 2020-12, or draft-07 with its $schema), e.g. {"type": "object"}`},
		{"schema file with an external reference",
			base + "    validate: {json_schema: ref.json}\n",
			`lifeline.yaml:7: routes[0].validate.json_schema: schema file "ref.json" is not a valid JSON Schema: cannot load "other.json": external references are not allowed; fix: correct the schema (draft 2020-12, or draft-07 with its $schema), e.g. {"type": "object"}`},
		{"empty check",
			base + "    validate:\n      checks:\n        - {}\n",
			`lifeline.yaml:9: routes[0].validate.checks[0]: empty check; fix: set one of min_length, regex or required_fields`},
		{"check with two validators",
			base + "    validate:\n      checks:\n        - {min_length: 3, regex: x}\n",
			`lifeline.yaml:9: routes[0].validate.checks[0]: one check sets min_length and regex; fix: write one check per list item`},
		{"invalid regex",
			base + "    validate:\n      checks:\n        - regex: \"a(b\"\n",
			"lifeline.yaml:9: routes[0].validate.checks[0].regex: invalid regular expression: error parsing regexp: missing closing ): `a(b`; fix: use Go RE2 syntax (https://golang.org/s/re2syntax)"},
		{"negative min_length",
			base + "    validate:\n      checks:\n        - min_length: -2\n",
			`lifeline.yaml:9: routes[0].validate.checks[0].min_length: must be positive; fix: write a number of characters such as 20`},
		{"empty required_fields",
			base + "    validate:\n      checks:\n        - required_fields: []\n",
			`lifeline.yaml:9: routes[0].validate.checks[0].required_fields: empty list; fix: name at least one field`},

		// Retry, timeouts, breaker.
		{"negative duration",
			base + "    retry: {base: -1s}\n",
			`lifeline.yaml:7: routes[0].retry.base: duration -1s is negative; fix: write a positive duration such as 30s, or leave it out for the default`},
		{"max_attempts below 1",
			base + "defaults:\n  retry:\n    max_attempts: -1\n",
			`lifeline.yaml:9: defaults.retry.max_attempts: max_attempts is -1; it must be at least 1; fix: write 1 for a single try per target, 3 for up to two retries`},
		{"max_attempts written as 0",
			base + "    retry: {max_attempts: 0}\n",
			`lifeline.yaml:7: routes[0].retry.max_attempts: max_attempts is 0; it must be at least 1; fix: write 1 for a single try per target, 3 for up to two retries`},
		{"half_open_probes written as 0",
			base + "defaults:\n  breaker: {half_open_probes: 0}\n",
			`lifeline.yaml:8: defaults.breaker.half_open_probes: half_open_probes is 0; it must be at least 1; fix: write a whole number of at least 1`},
		{"failure_rate written as 0",
			base + "    breaker: {failure_rate: 0}\n",
			`lifeline.yaml:7: routes[0].breaker.failure_rate: failure_rate 0 is outside (0, 1]; fix: write a fraction such as 0.5 (half the attempts failed)`},
		{"unknown jitter",
			base + "    retry: {jitter: ful}\n",
			`lifeline.yaml:7: routes[0].retry.jitter: unknown jitter "ful"; fix: did you mean "full"? use one of: full, equal, decorrelated, none`},
		{"jitter in capitals",
			base + "    retry: {jitter: Full}\n",
			`lifeline.yaml:7: routes[0].retry.jitter: unknown jitter "Full"; fix: did you mean "full"? use one of: full, equal, decorrelated, none`},
		{"negative budget ratio",
			base + "    retry: {budget: {ratio: -0.1}}\n",
			`lifeline.yaml:7: routes[0].retry.budget.ratio: must be positive; fix: write a fraction of first attempts, e.g. 0.2`},
		{"cap below base",
			base + "    retry: {base: 2s, cap: 1s}\n",
			`lifeline.yaml:7: routes[0].retry.cap: cap 1s is below base 2s; fix: raise cap or lower base`},
		{"failure_rate above 1",
			base + "defaults:\n  breaker: {failure_rate: 1.5}\n",
			`lifeline.yaml:8: defaults.breaker.failure_rate: failure_rate 1.5 is outside (0, 1]; fix: write a fraction such as 0.5 (half the attempts failed)`},
		{"negative failure_rate",
			base + "    breaker: {failure_rate: -0.5}\n",
			`lifeline.yaml:7: routes[0].breaker.failure_rate: failure_rate -0.5 is outside (0, 1]; fix: write a fraction such as 0.5 (half the attempts failed)`},
		{"negative min_requests",
			base + "    breaker: {min_requests: -3}\n",
			`lifeline.yaml:7: routes[0].breaker.min_requests: min_requests is -3; it must be at least 1; fix: write a whole number of at least 1`},
		{"max_cooldown below cooldown",
			base + "    breaker: {cooldown: 10m}\n",
			`lifeline.yaml:7: routes[0].breaker.cooldown: max_cooldown 5m is below cooldown 10m; fix: raise max_cooldown or lower cooldown`},
		{"cap below base in the defaults only",
			base + "defaults:\n  retry: {cap: 100ms}\n",
			`lifeline.yaml:8: defaults.retry.cap: cap 100ms is below base 500ms; fix: raise cap or lower base`},
		{"max_cooldown below cooldown in the defaults only",
			base + "defaults:\n  breaker: {max_cooldown: 10s}\n",
			`lifeline.yaml:8: defaults.breaker.max_cooldown: max_cooldown 10s is below cooldown 30s; fix: raise max_cooldown or lower cooldown`},
		{"negative timeout",
			base + "    timeouts: {first_token: -5s}\n",
			`lifeline.yaml:7: routes[0].timeouts.first_token: duration -5s is negative; fix: write a positive duration such as 30s, or leave it out for the default`},

		// Actions.
		{"unknown class",
			base + "    actions: {overload: next}\n",
			`lifeline.yaml:7: routes[0].actions.overload: unknown class "overload"; fix: did you mean "overloaded"? use one of: invalid, wait, exhausted, overloaded, transient, rejected, too_large, auth, not_found`},
		{"class without action",
			base + "    actions: {ok: retry}\n",
			`lifeline.yaml:7: routes[0].actions.ok: class "ok" has no configurable action; fix: remove it; configurable classes: invalid, wait, exhausted, overloaded, transient, rejected, too_large, auth, not_found`},
		{"unknown action",
			base + "    actions: {transient: retyr}\n",
			`lifeline.yaml:7: routes[0].actions.transient: unknown action "retyr"; fix: did you mean "retry"? use one of: retry, wait, next, reroute, stop`},
		{"retrying a rejected request",
			base + "    actions:\n      rejected: retry\n",
			`lifeline.yaml:8: routes[0].actions.rejected: rejected may only be stop or next, not retry: retrying a rejected request is forbidden; fix: use stop (the default) or next`},

		// Top level.
		{"listen without port",
			"listen: localhost\n" + base,
			`lifeline.yaml:1: listen: invalid address "localhost": want host:port; fix: write host:port, e.g. 127.0.0.1:8080 or :8080`},
		{"listen with a host that is no host name",
			"listen: \"local host:8080\"\n" + base,
			`lifeline.yaml:1: listen: invalid host "local host" in "local host:8080"; fix: write host:port, e.g. 127.0.0.1:8080 or :8080`},
		{"listen with a bad port",
			"listen: \":99999\"\n" + base,
			`lifeline.yaml:1: listen: invalid port "99999" in ":99999"; fix: write host:port, e.g. 127.0.0.1:8080 or :8080`},
		{"unknown backend",
			"state: {backend: mem}\n" + base,
			`lifeline.yaml:1: state.backend: unknown backend "mem"; fix: did you mean "memory"? use one of: memory, redis`},
		{"redis without url",
			"state:\n  backend: redis\n" + base,
			`lifeline.yaml:1: state.redis_url: required when the backend is redis; fix: set redis_url, e.g. redis://127.0.0.1:6379/0`},
		{"redis url with another scheme",
			"state: {backend: redis, redis_url: \"http://u:pw@cache:6379\"}\n" + base,
			`lifeline.yaml:1: state.redis_url: redis_url "http://u:xxxxx@cache:6379": unknown scheme "http" (want redis, rediss, redis+sentinel, redis+cluster or a comma-separated list of host:port); fix: use redis://host:port/db (rediss:// for TLS), unix:///path/to/redis.sock, redis+sentinel://host:port,host:port/master-name, redis+cluster://host:port,host:port, or host:port,host:port for a cluster`},
		{"several hosts after redis://",
			"state: {backend: redis, redis_url: \"redis://a:6379,b:6379\"}\n" + base,
			`lifeline.yaml:1: state.redis_url: redis_url "redis://a:6379,b:6379": several hosts after redis://; use redis+cluster:// for a cluster or redis+sentinel:// for Sentinel; fix: use redis://host:port/db (rediss:// for TLS), unix:///path/to/redis.sock, redis+sentinel://host:port,host:port/master-name, redis+cluster://host:port,host:port, or host:port,host:port for a cluster`},
		{"redis url with memory backend",
			"state:\n  redis_url: redis://cache:6379\n" + base,
			`lifeline.yaml:2: state.redis_url: redis_url is set but the backend is memory; fix: set state.backend: redis, or remove redis_url`},
		{"state timeout with memory",
			"state: {backend: memory, timeout: 2s}\n" + provs + route,
			`lifeline.yaml:1: state.timeout: timeout is set but the backend is memory; fix: set state.backend: redis, or remove timeout`},
		{"state timeout too long",
			"state: {backend: redis, redis_url: \"redis://127.0.0.1:6379/0\", timeout: 2h}\n" + provs + route,
			`lifeline.yaml:1: state.timeout: timeout 2h is outside 0 (the default, 500ms) to 1m; fix: write a duration such as 500ms or 2s`},
		{"unknown log level",
			base + "log: {level: warning}\n",
			`lifeline.yaml:7: log.level: unknown log level "warning"; fix: did you mean "warn"? use one of: debug, info, warn, error`},
		{"unknown log format",
			base + "log: {format: yaml}\n",
			`lifeline.yaml:7: log.format: unknown log format "yaml"; fix: use one of: text, json`},
		{"negative ttl",
			base + "idempotency: {ttl: -1h}\n",
			`lifeline.yaml:7: idempotency.ttl: duration -1h is negative; fix: write a positive duration such as 30s, or leave it out for the default`},
		{"negative max_in_flight",
			base + "limits: {max_in_flight: -1}\n",
			`lifeline.yaml:7: limits.max_in_flight: must not be negative; fix: write 0 for no cap, or a number of requests such as 2000`},
		{"negative shutdown_grace",
			base + "shutdown_grace: -30s\n",
			`lifeline.yaml:7: shutdown_grace: duration -30s is negative; fix: write a positive duration such as 30s, or leave it out for the default`},

		// Decoding.
		{"duration without unit",
			base + "    retry: {base: 500}\n",
			`lifeline.yaml:7: routes[0].retry.base: duration "500" has no unit; fix: add a unit, e.g. 500s or 500ms`},
		{"invalid duration",
			base + "shutdown_grace: 30 seconds\n",
			`lifeline.yaml:7: shutdown_grace: invalid duration "30 seconds"; fix: write a Go duration such as 500ms, 30s, 5m or 1h30m`},
		{"invalid size",
			base + "limits: {max_body: 32 MeB}\n",
			`lifeline.yaml:7: limits.max_body: invalid size "32 MeB"; fix: write a byte count with an optional unit, e.g. 1048576, 512KiB, 32MiB or 32MB`},
		{"text where a number belongs",
			base + "    retry: {max_attempts: three}\n",
			`lifeline.yaml:7: routes[0].retry.max_attempts: expected a whole number, got "three"; fix: write a whole number such as 3`},
		{"text where a fraction belongs",
			base + "    breaker: {failure_rate: half}\n",
			`lifeline.yaml:7: routes[0].breaker.failure_rate: expected a number, got "half"; fix: write a number such as 0.5`},
		{"text where a boolean belongs",
			base + "    validate: {json: yes}\n",
			`lifeline.yaml:7: routes[0].validate.json: expected true or false, got "yes"; fix: write true or false`},
		{"scalar where a list belongs",
			provs + "routes:\n  - name: smart\n    chain: openai/m\n",
			`lifeline.yaml:6: routes[0].chain: expected a list, got "openai/m"; fix: write a list: [a, b] or one "- item" per line` + "\n" +
				`lifeline.yaml:6: routes[0].chain: empty chain; fix: list at least one target: {provider: NAME, model: MODEL}`},
		{"scalar where a mapping belongs",
			base + "    retry: 3\n",
			`lifeline.yaml:7: routes[0].retry: expected a mapping (key: value), got "3"; fix: write the keys of this section under it, indented`},
		{"list where a string belongs",
			base + "listen: [a, b]\n",
			`lifeline.yaml:7: listen: expected a string, got a list; fix: write a single value on this key`},
		{"unknown key with a suggestion",
			base + "    retyr: {max_attempts: 2}\n",
			`lifeline.yaml:7: routes[0].retyr: unknown key "retyr"; fix: did you mean "retry"? valid keys under routes[0]: name, chain, validate, retry, timeouts, breaker, actions`},
		{"unknown nested key with a suggestion",
			base + "defaults:\n  breaker:\n    cooldwn: 1m\n",
			`lifeline.yaml:9: defaults.breaker.cooldwn: unknown key "cooldwn"; fix: did you mean "cooldown"? valid keys under defaults.breaker: window, min_requests, failure_rate, consecutive_failures, cooldown, max_cooldown, half_open_probes, quota_cooldown`},
		{"unknown key without a suggestion",
			base + "telemetry: on\n",
			`lifeline.yaml:7: telemetry: unknown key "telemetry"; fix: remove it; valid keys here: listen, state, keys, providers, routes, defaults, idempotency, limits, shutdown_grace, log`},
		{"unknown alias",
			base + "    retry: *nope\n",
			`lifeline.yaml:7: routes[0].retry: unknown alias *nope; fix: define the anchor &nope before using it`},
		{"YAML syntax error",
			base + "    retry: {max_attempts: 2\n",
			`lifeline.yaml:7: invalid YAML: could not find flow mapping end token '}'; fix: check the indentation and quoting on this line`},
		{"duplicate key",
			base + "listen: a:1\nlisten: b:2\n",
			`lifeline.yaml:8: invalid YAML: mapping key "listen" already defined at [7:1]; fix: check the indentation and quoting on this line`},
		{"two documents",
			base + "---\nlisten: :9\n",
			`lifeline.yaml:7: more than one YAML document; fix: keep a single document: remove the --- separator and what follows`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("lifeline.yaml", []byte(tc.yaml), dir, testEnv())
			if err == nil {
				t.Fatalf("no error; want %s", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("error:\n got %s\nwant %s", err, tc.want)
			}
		})
	}
}

func TestEveryErrorIsReported(t *testing.T) {
	src := provs + `routes:
  - name: smart
    chain: [{provider: opnai, model: m}]
    retry: {jitter: ful, max_attempts: -1}
    actions: {rejected: retry}
limits: {max_bodyy: 1MiB}
`
	_, err := Parse("lifeline.yaml", []byte(src), "", nil)
	errs := Errors(err)
	if len(errs) != 5 {
		t.Fatalf("got %d errors, want 5:\n%v", len(errs), err)
	}
	for _, e := range errs {
		if e.File != "lifeline.yaml" || e.Line == 0 || e.Path == "" || e.Fix == "" {
			t.Errorf("incomplete error %#v", e)
		}
		if strings.Contains(e.Error(), "\n") {
			t.Errorf("error spans lines: %q", e.Error())
		}
	}
	if got := strings.Count(err.Error(), "\n"); got != 4 {
		t.Errorf("joined error has %d line breaks, want 4", got)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/nope.yaml", nil)
	want := "testdata/nope.yaml: cannot read the configuration file: no such file or directory; fix: check the path given with --config"
	if err == nil || err.Error() != want {
		t.Errorf("Load = %v, want %s", err, want)
	}
}

package config_test

import (
	"fmt"
	"os"

	"github.com/lifelinehq/lifeline/internal/config"
)

func ExampleParse() {
	file := []byte(`
providers:
  - {name: anthropic, kind: anthropic, api_key: "${ANTHROPIC_API_KEY}"}
  - {name: openai, kind: openai, api_key: "${OPENAI_API_KEY:-}"}
routes:
  - name: smart
    chain:
      - {provider: anthropic, model: claude-sonnet-4-5}
      - {provider: openai, model: gpt-4.1}
    retry: {max_attempts: 2}
    actions: {overloaded: next}
`)
	env := func(name string) (string, bool) {
		if name == "ANTHROPIC_API_KEY" {
			return "sk-ant-example", true
		}
		return "", false
	}
	c, err := config.Parse("lifeline.yaml", file, ".", env)
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Describe(os.Stdout)
	// Output:
	// config: lifeline.yaml
	// listen: 127.0.0.1:8080
	// state: memory
	// keys: none (the gateway is open to any client)
	// idempotency.ttl: 24h  limits.max_body: 32MiB  limits.max_in_flight: none  shutdown_grace: 30s  log: info/text
	// providers:
	//   anthropic: kind=anthropic base_url=https://api.anthropic.com api_key: set
	//   openai: kind=openai base_url=https://api.openai.com/v1 api_key: unset
	// routes:
	//   smart:
	//     chain: anthropic/claude-sonnet-4-5 -> openai/gpt-4.1
	//     validate: json=off stream=auto non_empty=off tools=on request_schema=on
	//     retry: max_attempts=2 base=500ms cap=20s jitter=full max_wait=1m budget.ratio=0.2 budget.min_per_second=5
	//     timeouts: attempt=2m first_token=30s idle=30s total=5m
	//     breaker: window=30s min_requests=10 failure_rate=0.5 consecutive_failures=5 cooldown=30s max_cooldown=5m half_open_probes=1 quota_cooldown=10m
	//     actions: invalid=next wait=wait exhausted=next overloaded=next transient=retry rejected=stop too_large=next auth=next not_found=next
}

func ExampleParse_errors() {
	file := []byte(`providers:
  - {name: anthropic, kind: anthropic}
  - {name: openai, kind: openai}
routes:
  - name: smart
    chain: [{provider: opnai, model: gpt-4.1}]
    retyr: {max_attempts: 2}
`)
	_, err := config.Parse("lifeline.yaml", file, ".", nil)
	for _, e := range config.Errors(err) {
		fmt.Println(e)
	}
	// Output:
	// lifeline.yaml:6: routes[0].chain[0].provider: unknown provider "opnai"; fix: use one of the names defined under providers: (anthropic, openai)
	// lifeline.yaml:7: routes[0].retyr: unknown key "retyr"; fix: did you mean "retry"? valid keys under routes[0]: name, chain, validate, retry, timeouts, breaker, actions
}

func ExampleSecret() {
	key := config.Secret("sk-live-123")
	fmt.Println(key, fmt.Sprintf("%#v", key))
	fmt.Println(key.Reveal())
	// Output:
	// [REDACTED] lifeline.Secret("[REDACTED]")
	// sk-live-123
}

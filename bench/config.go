package main

import (
	"fmt"

	"github.com/lifelinehq/lifeline/bench/upstream"
)

// routeName is the route every benchmark request names as its model.
const routeName = "bench"

// lifelineConfig is the gateway configuration the benchmark runs: one
// route whose chain is two openai-kind targets on the loopback upstream
// (the second is never reached while the first answers), with every
// policy at its default.
func lifelineConfig(listen, upstreamURL, logLevel string) string {
	return fmt.Sprintf(`listen: %s
providers:
  - {name: loop, kind: openai, base_url: %s/v1}
  - {name: spare, kind: openai, base_url: %s/v1}
routes:
  - name: %s
    chain:
      - {provider: loop, model: bench-model}
      - {provider: spare, model: bench-model}
log: {level: %s, format: text}
`, listen, upstreamURL, upstreamURL, routeName, logLevel)
}

// fallbackRoute is the route of the state-store comparison whose first
// target always fails.
const fallbackRoute = "bench-fallback"

// storesConfig is the gateway configuration of the state-store comparison,
// with state as its state section (a YAML flow mapping): the benchmark's
// route, and fallbackRoute, whose first target answers every request 503
// "overloaded" (the upstream's OverloadedPrefix), so that every request
// makes two attempts, the second on the target that serves. That route's
// breaker thresholds are out of reach: with the defaults its first target's
// breaker would open after five failures, and requests would skip the
// target (a refusal answered from the store's cache) instead of trying it.
func storesConfig(listen, upstreamURL, logLevel, state string) string {
	return fmt.Sprintf(`listen: %s
state: %s
providers:
  - {name: loop, kind: openai, base_url: %s/v1}
  - {name: spare, kind: openai, base_url: %s/v1}
  - {name: down, kind: openai, base_url: %s%s/v1}
routes:
  - name: %s
    chain:
      - {provider: loop, model: bench-model}
      - {provider: spare, model: bench-model}
  - name: %s
    chain:
      - {provider: down, model: bench-model}
      - {provider: loop, model: bench-model}
    breaker: {consecutive_failures: 1000000000, min_requests: 1000000000}
log: {level: %s, format: text}
`, listen, state, upstreamURL, upstreamURL, upstreamURL, upstream.OverloadedPrefix, routeName, fallbackRoute, logLevel)
}

// The state sections of the two gateways of the comparison.
const memoryState = "{backend: memory}"

func redisState(url string) string { return "{backend: redis, redis_url: " + url + "}" }

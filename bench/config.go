package main

import "fmt"

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

package main

import (
	"fmt"
	"strings"

	"github.com/lifelinehq/lifeline/internal/config"
)

// Default models of the chain serve builds from provider keys.
const (
	defaultAnthropicModel = "claude-sonnet-4-5"
	defaultOpenAIModel    = "gpt-4.1"
)

// keysConfig builds a configuration from ANTHROPIC_API_KEY and
// OPENAI_API_KEY: a route "default" whose chain tries every provider with a
// key, plus one route per default model that starts with that model.
// ANTHROPIC_BASE_URL and OPENAI_BASE_URL, when set, replace the providers'
// own APIs, as they do for the official SDKs. It reports false when
// neither key is set.
func keysConfig(env func(string) (string, bool)) (*config.Config, bool, error) {
	a, hasA := env("ANTHROPIC_API_KEY")
	o, hasO := env("OPENAI_API_KEY")
	hasA, hasO = hasA && a != "", hasO && o != ""
	if !hasA && !hasO {
		return nil, false, nil
	}
	var b strings.Builder
	b.WriteString("providers:\n")
	var links []string
	if hasA {
		b.WriteString("  - {name: anthropic, kind: anthropic, base_url: \"${ANTHROPIC_BASE_URL:-https://api.anthropic.com}\", api_key: \"${ANTHROPIC_API_KEY}\"}\n")
		links = append(links, "{provider: anthropic, model: "+defaultAnthropicModel+"}")
	}
	if hasO {
		b.WriteString("  - {name: openai, kind: openai, base_url: \"${OPENAI_BASE_URL:-https://api.openai.com/v1}\", api_key: \"${OPENAI_API_KEY}\"}\n")
		links = append(links, "{provider: openai, model: "+defaultOpenAIModel+"}")
	}
	b.WriteString("routes:\n")
	b.WriteString("  - {name: default, chain: [" + strings.Join(links, ", ") + "]}\n")
	for i := range links {
		model := defaultAnthropicModel
		if strings.Contains(links[i], "openai") {
			model = defaultOpenAIModel
		}
		chain := append([]string{links[i]}, append(append([]string{}, links[:i]...), links[i+1:]...)...)
		b.WriteString("  - {name: " + model + ", chain: [" + strings.Join(chain, ", ") + "]}\n")
	}
	cfg, err := config.Parse("default chain from provider keys", []byte(b.String()), ".", env)
	if err != nil && strings.Contains(err.Error(), "base_url") {
		var from []string
		for _, k := range []string{"ANTHROPIC_BASE_URL", "OPENAI_BASE_URL"} {
			if v, ok := env(k); ok && v != "" {
				from = append(from, k)
			}
		}
		if len(from) > 0 {
			err = fmt.Errorf("%w (base_url comes from %s)", err, strings.Join(from, ", "))
		}
	}
	return cfg, true, err
}

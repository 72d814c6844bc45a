// Package wire knows the two wire formats lifeline speaks: the OpenAI Chat
// Completions dialect and the Anthropic Messages dialect. It reads what the
// engine needs from request and response bodies without decoding them in
// full, builds error bodies, and turns responses and streams into a
// dialect-neutral Output for validation.
package wire

import (
	"fmt"
)

// Dialect is one of the two wire formats.
type Dialect uint8

// The dialects lifeline speaks.
const (
	OpenAI    Dialect = iota + 1 // POST /v1/chat/completions
	Anthropic                    // POST /v1/messages
)

// String returns the dialect's config name: "openai" or "anthropic".
func (d Dialect) String() string {
	switch d {
	case OpenAI:
		return "openai"
	case Anthropic:
		return "anthropic"
	}
	return fmt.Sprintf("dialect(%d)", uint8(d))
}

// ParseDialect parses a config name ("openai" or "anthropic").
func ParseDialect(s string) (Dialect, error) {
	switch s {
	case "openai":
		return OpenAI, nil
	case "anthropic":
		return Anthropic, nil
	}
	return 0, fmt.Errorf("wire: unknown provider kind %q (want openai or anthropic)", s)
}

// Path is the request path of the dialect's generation endpoint, relative to
// a provider's base URL. OpenAI base URLs include the /v1 prefix
// (https://api.openai.com/v1); Anthropic base URLs do not
// (https://api.anthropic.com).
func (d Dialect) Path() string {
	if d == Anthropic {
		return "/v1/messages"
	}
	return "/chat/completions"
}

// AnthropicVersion is the anthropic-version header sent upstream when the
// client did not send one.
const AnthropicVersion = "2023-06-01"

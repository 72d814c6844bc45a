package wire_test

import (
	"net/http"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

func TestDialectNames(t *testing.T) {
	for _, d := range []wire.Dialect{wire.OpenAI, wire.Anthropic} {
		got, err := wire.ParseDialect(d.String())
		if err != nil || got != d {
			t.Errorf("ParseDialect(%q) = %v, %v; want %v", d.String(), got, err, d)
		}
	}
	for _, s := range []string{"", "OpenAI", "gemini", "anthropic "} {
		if _, err := wire.ParseDialect(s); err == nil {
			t.Errorf("ParseDialect(%q) succeeded, want an error", s)
		}
	}
	if got := wire.Dialect(9).String(); got != "dialect(9)" {
		t.Errorf("String of an unknown dialect = %q", got)
	}
	if wire.OpenAI.Path() != "/chat/completions" || wire.Anthropic.Path() != "/v1/messages" {
		t.Errorf("paths = %q, %q", wire.OpenAI.Path(), wire.Anthropic.Path())
	}
}

func TestSetAuth(t *testing.T) {
	const key = "sk-test-provider-key"
	client := func() http.Header {
		h := http.Header{}
		h.Set("Authorization", "Bearer client-key-for-lifeline")
		h.Set("X-Api-Key", "client-key-for-lifeline")
		h.Set("Content-Type", "application/json")
		return h
	}

	h := client()
	wire.SetAuth(h, wire.OpenAI, key)
	if h.Get("Authorization") != "Bearer "+key || h.Get("X-Api-Key") != "" || h.Get("Content-Type") != "application/json" {
		t.Errorf("openai headers = %v", h)
	}

	h = client()
	wire.SetAuth(h, wire.Anthropic, key)
	if h.Get("X-Api-Key") != key || h.Get("Authorization") != "" || h.Get("Anthropic-Version") != wire.AnthropicVersion {
		t.Errorf("anthropic headers = %v", h)
	}

	h = client()
	h.Set("Anthropic-Version", "2024-01-01")
	wire.SetAuth(h, wire.Anthropic, key)
	if h.Get("Anthropic-Version") != "2024-01-01" {
		t.Errorf("client anthropic-version replaced: %q", h.Get("Anthropic-Version"))
	}

	// Without a key, the client's credentials are still removed.
	for _, d := range []wire.Dialect{wire.OpenAI, wire.Anthropic} {
		h = client()
		wire.SetAuth(h, d, "")
		if h.Get("Authorization") != "" || h.Get("X-Api-Key") != "" {
			t.Errorf("%v without key: client credentials kept: %v", d, h)
		}
	}
}

package wire_test

import (
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

package wire_test

import (
	"strconv"
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
		_, err := wire.ParseDialect(s)
		if err == nil {
			t.Errorf("ParseDialect(%q) succeeded, want an error", s)
			continue
		}
		if want := "wire: unknown provider kind " + strconv.Quote(s) + " (want openai or anthropic)"; err.Error() != want {
			t.Errorf("ParseDialect(%q) error %q, want %q", s, err, want)
		}
	}
	if got := wire.Dialect(9).String(); got != "dialect(9)" {
		t.Errorf("String of an unknown dialect = %q", got)
	}
	if wire.OpenAI.Path() != "/chat/completions" || wire.Anthropic.Path() != "/v1/messages" {
		t.Errorf("paths = %q, %q", wire.OpenAI.Path(), wire.Anthropic.Path())
	}
}

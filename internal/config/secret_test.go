package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

const leak = "sk-live-0123456789"

func TestSecretNeverLeaks(t *testing.T) {
	s := Secret(leak)
	p := Provider{Name: "openai", Kind: "openai", APIKey: s}
	c := &Config{Keys: []Key{{Key: s}}, Providers: []Provider{p}}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%-8v"} {
		outputs = append(outputs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, p), fmt.Sprintf(verb, &p), fmt.Sprintf(verb, c))
	}
	outputs = append(outputs, fmt.Sprint(s), fmt.Sprintln(p), s.String(), s.GoString(),
		fmt.Errorf("calling upstream with %v", s).Error(), errors.New(fmt.Sprint(s)).Error())
	for _, v := range []any{s, p, c, map[string]Secret{"k": s}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, string(b))
		y, err := yaml.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, string(y))
	}
	txt, _ := s.MarshalText()
	outputs = append(outputs, string(txt))
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var b bytes.Buffer
		log := slog.New(h(&b))
		log.Info("upstream", "key", s, "provider", p, slog.Any("secret", s), slog.Group("g", "k", s))
		outputs = append(outputs, b.String())
	}
	for _, out := range outputs {
		if strings.Contains(out, leak) || strings.Contains(out, "0123456789") || strings.Contains(out, fmt.Sprintf("%x", leak)) {
			t.Errorf("secret leaked: %s", out)
		}
	}
	if !strings.Contains(fmt.Sprintf("%v", p), "[REDACTED]") || !strings.Contains(fmt.Sprintf("%#v", s), `lifeline.Secret("[REDACTED]")`) {
		t.Errorf("redaction marker missing: %v / %#v", p, s)
	}
	if s.Reveal() != leak {
		t.Errorf("Reveal() = %q", s.Reveal())
	}
}

func TestEmptySecretPrintsEmpty(t *testing.T) {
	var s Secret
	if fmt.Sprint(s) != "" || s.IsSet() {
		t.Errorf("empty secret prints %q", fmt.Sprint(s))
	}
	if b, _ := json.Marshal(s); string(b) != `""` {
		t.Errorf("json = %s", b)
	}
}

func TestSecretDecodesFromText(t *testing.T) {
	var s Secret
	if err := s.UnmarshalText([]byte(leak)); err != nil || s.Reveal() != leak {
		t.Errorf("UnmarshalText: %v, %q", err, s.Reveal())
	}
}

func TestSecretTypeErrorDoesNotQuoteValues(t *testing.T) {
	_, err := Parse("lifeline.yaml", []byte(base+"keys:\n  - key: [sk-abc-secret]\n"), "", nil)
	want := "lifeline.yaml:8: keys[0].key: expected a value, got a list; fix: write a single value on this key"
	if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "sk-abc-secret") {
		t.Errorf("error: %v", err)
	}
}

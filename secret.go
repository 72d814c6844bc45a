package lifeline

import (
	"fmt"
	"log/slog"
)

// redacted is what a non-empty Secret prints as.
const redacted = "[REDACTED]"

// Secret is a credential (a provider API key, a client key). It redacts
// itself wherever it could be printed: fmt (every verb, %#v included),
// JSON, YAML and text marshalling, and slog. Only Reveal returns the value.
// An empty Secret prints as "" so that "unset" stays visible.
//
// The redaction relies on methods, so it holds for exported fields and
// values; fmt prints an unexported struct field by reflection without
// calling methods, so keep Secrets in exported fields.
type Secret string

// Reveal returns the secret's value. Call it only where the value is sent
// to its destination (an upstream request header, a comparison).
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret is non-empty.
func (s Secret) IsSet() bool { return s != "" }

// String returns "[REDACTED]", or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString returns the redacted form for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("lifeline.Secret(%q)", s.String()) }

// Format implements fmt.Formatter so that no verb prints the value.
func (s Secret) Format(f fmt.State, verb rune) { formatRedacted(f, verb, s) }

// redactedPrinter is a value whose String and GoString forms are all that
// may be printed of it.
type redactedPrinter interface {
	fmt.Stringer
	fmt.GoStringer
}

// formatRedacted prints v for verb as a fmt.Formatter: GoString for %#v,
// String quoted for %q, and String for every other verb, so that no verb
// reaches v's value by reflection.
func formatRedacted(f fmt.State, verb rune, v redactedPrinter) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, v.GoString())
	case verb == 'q':
		fmt.Fprintf(f, "%q", v.String())
	default:
		fmt.Fprint(f, v.String())
	}
}

// LogValue implements slog.LogValuer with the redacted form.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText implements encoding.TextMarshaler with the redacted form.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalJSON encodes the redacted form as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return fmt.Appendf(nil, "%q", s.String()), nil }

// MarshalYAML encodes the redacted form (the interface YAML libraries call).
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// UnmarshalText sets the secret from configuration text.
func (s *Secret) UnmarshalText(b []byte) error {
	*s = Secret(b)
	return nil
}

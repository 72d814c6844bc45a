package lifeline

import (
	"fmt"
	"log/slog"
)

// Secret is a credential that redacts itself wherever it is printed:
// fmt verbs, JSON and text marshalling, and slog. Reveal returns the value.
type Secret string

const redacted = "[REDACTED]"

// Reveal returns the secret's value. Call it only to send the credential.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer without revealing the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString implements fmt.GoStringer without revealing the value.
func (s Secret) GoString() string { return fmt.Sprintf("lifeline.Secret(%q)", s.String()) }

// Format implements fmt.Formatter so that every verb redacts.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	fmt.Fprint(f, s.String())
}

// MarshalText implements encoding.TextMarshaler without revealing the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue implements slog.LogValuer without revealing the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

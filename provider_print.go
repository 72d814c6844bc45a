package lifeline

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/lifelinehq/lifeline/internal/credential"
)

// A Provider prints without its credentials: its API key as [REDACTED],
// its extra headers by name only (Azure OpenAI's key travels in one), and
// its base URL with the password and the query parameters named like a
// credential (key, api-key, token, sig…) masked as xxxxx.

// String returns "name (kind, base URL, api_key: [REDACTED], headers:
// Name, …)" without credentials.
func (p Provider) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, %s, api_key: %s", p.Name, p.Kind, credential.URL(p.BaseURL), p.APIKey)
	if names := p.headerNames(); len(names) > 0 {
		b.WriteString(", headers: ")
		b.WriteString(strings.Join(names, ", "))
	}
	b.WriteByte(')')
	return b.String()
}

// GoString is String for the %#v verb.
func (p Provider) GoString() string { return "lifeline.Provider(" + strconv.Quote(p.String()) + ")" }

// Format implements fmt.Formatter so that no verb prints a credential.
func (p Provider) Format(f fmt.State, verb rune) { formatRedacted(f, verb, p) }

// LogValue implements slog.LogValuer with String's form.
func (p Provider) LogValue() slog.Value { return slog.StringValue(p.String()) }

// MarshalJSON encodes the provider without credentials: name, kind, base
// URL (masked), whether an API key is set, and header names.
func (p Provider) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name    string   `json:"name"`
		Kind    string   `json:"kind"`
		BaseURL string   `json:"base_url"`
		APIKey  Secret   `json:"api_key"`
		Headers []string `json:"headers,omitempty"`
	}{p.Name, p.Kind.String(), credential.URL(p.BaseURL), p.APIKey, p.headerNames()})
}

// headerNames returns the names of the provider's extra headers, sorted.
func (p Provider) headerNames() []string { return slices.Sorted(maps.Keys(p.Header)) }

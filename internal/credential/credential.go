// Package credential finds the credentials a provider's configuration
// holds and the forms a copy of one takes in text, so that the engine and
// the gateway redact every one of them. A provider that echoes the key it
// received does so in its error message, in JSON that may escape some of
// the key's characters, or in a URL that escapes others; a key that
// travels in the base URL's query or user information is as secret as
// the API key.
package credential

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Redacted is what a credential is replaced with.
const Redacted = "[REDACTED]"

// Values returns the credentials a provider sends: its API key; the value
// of each extra header, and the token after its last space ("Bearer
// TOKEN": a provider may echo the token alone); and from its base URL the
// password of the user information and the value of each query parameter
// named like a credential (Param), as written and decoded. Empty values
// are left out.
func Values(apiKey string, header http.Header, baseURL string) []string {
	var out []string
	add := func(v string) {
		if v != "" {
			out = append(out, v)
		}
	}
	add(apiKey)
	for _, vs := range header {
		for _, v := range vs {
			add(v)
			if i := strings.LastIndexByte(v, ' '); i >= 0 {
				add(v[i+1:])
			}
		}
	}
	if u, err := url.Parse(baseURL); err == nil {
		if p, ok := u.User.Password(); ok {
			add(p)
		}
		for _, kv := range strings.Split(u.RawQuery, "&") {
			name, v, _ := strings.Cut(kv, "=")
			if n, err := url.QueryUnescape(name); err == nil {
				name = n
			}
			if !Param(name) {
				continue
			}
			add(v)
			if d, err := url.QueryUnescape(v); err == nil {
				add(d)
			}
		}
	}
	return out
}

// Param reports whether a query parameter's name says its value is a
// credential: it names a key, token, secret, signature, password or
// authorization.
func Param(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"password", "passwd", "key", "token", "secret", "sig", "auth"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// Forms returns s and the other forms a copy of it takes in text: escaped
// in a JSON string (by encoding/json, which escapes <, > and & too; by
// encoders that leave those; by encoders that also escape / as \/), and
// escaped in a URL query or path. Each form is listed once, longest first,
// so that no shorter form is replaced inside a longer one.
func Forms(s string) []string {
	forms := []string{s}
	add := func(f string) {
		if f != "" && !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	// addJSON adds a JSON string's contents, and them with / escaped.
	addJSON := func(quoted []byte) {
		inner := string(quoted[1 : len(quoted)-1])
		add(inner)
		add(strings.ReplaceAll(inner, "/", `\/`))
	}
	if b, err := json.Marshal(s); err == nil {
		addJSON(b)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		addJSON(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	add(url.QueryEscape(s))
	add(url.PathEscape(s))
	slices.SortStableFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return forms
}

// Set is a list of credentials to redact, each in all its Forms. The zero
// Set redacts nothing. Build it before use; it is then safe for
// concurrent use.
type Set struct {
	forms []string
	raw   [][]byte
	scan  *tailScan // past fewForms: finds any of them in one pass
}

// Add adds each of vs in all its forms. Adding many credentials in one
// call builds the set's search once.
func (s *Set) Add(vs ...string) {
	seen := make(map[string]bool, len(s.forms))
	for _, f := range s.forms {
		seen[f] = true
	}
	for _, v := range vs {
		if v == "" {
			continue
		}
		for _, f := range Forms(v) {
			if !seen[f] {
				seen[f] = true
				s.forms = append(s.forms, f)
			}
		}
	}
	slices.SortStableFunc(s.forms, func(a, b string) int { return len(b) - len(a) })
	s.raw = s.raw[:0]
	for _, f := range s.forms {
		s.raw = append(s.raw, []byte(f))
	}
	s.scan = nil
	if n := len(s.forms); n > fewForms && len(s.forms[n-1]) >= minScanLen {
		s.scan = newTailScan(s.raw, len(s.forms[n-1]))
	}
}

// Empty reports whether the set holds no credential.
func (s *Set) Empty() bool { return len(s.forms) == 0 }

// String returns text with every credential replaced by Redacted; text
// itself when it holds none.
func (s *Set) String(text string) string {
	if s.scan != nil {
		if !s.scan.holdsString(text) {
			return text
		}
		for _, f := range s.forms {
			text = strings.ReplaceAll(text, f, Redacted)
		}
		return text
	}
	for i, f := range s.forms {
		if strings.Contains(text, f) {
			for _, f := range s.forms[i:] {
				text = strings.ReplaceAll(text, f, Redacted)
			}
			return text
		}
	}
	return text
}

// Bytes returns b with every credential replaced by Redacted: b itself
// when it holds none, else a new slice (b may be shared).
func (s *Set) Bytes(b []byte) []byte {
	if s.scan != nil {
		if !s.scan.holds(b) {
			return b
		}
		out := b
		for _, f := range s.raw {
			out = bytes.ReplaceAll(out, f, []byte(Redacted))
		}
		return out
	}
	for i, f := range s.raw {
		if bytes.Contains(b, f) {
			out := b
			for _, f := range s.raw[i:] {
				out = bytes.ReplaceAll(out, f, []byte(Redacted))
			}
			return out
		}
	}
	return b
}

// URL returns s, a URL or a comma-separated list of URLs (Redis and base
// URLs may carry credentials), with the password of the user information
// and the value of each query parameter named like a credential (Param)
// replaced by xxxxx. Text that is no URL with a host but has an @ keeps
// only what follows its last one.
func URL(s string) string {
	parts := strings.Split(s, ",")
	for i, part := range parts {
		if p, err := url.Parse(part); err == nil && p.Host != "" && p.Opaque == "" {
			if p.User != nil {
				part = p.Redacted()
			}
		} else if j := strings.LastIndex(part, "@"); j >= 0 {
			part = "…@" + part[j+1:]
		}
		if head, query, ok := strings.Cut(part, "?"); ok {
			params := strings.Split(query, "&")
			for k, kv := range params {
				raw, _, _ := strings.Cut(kv, "=")
				name := raw
				if n, err := url.QueryUnescape(raw); err == nil {
					name = n // as Values reads it: to%6Ben is token
				}
				if Param(name) {
					params[k] = raw + "=xxxxx"
				}
			}
			part = head + "?" + strings.Join(params, "&")
		}
		parts[i] = part
	}
	return strings.Join(parts, ",")
}

package gateway

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// minSecretLen is the shortest credential the redactor looks for. Real API
// keys are far longer; shorter values are placeholders that local servers
// accept ("ollama", "none", "EMPTY"), and hunting for them would mangle
// ordinary text that happens to contain such a word.
const minSecretLen = 12

// redactedText replaces a credential wherever it would be printed.
const redactedText = "[REDACTED]"

// redactor removes the gateway's credentials (provider keys, the values of
// extra provider headers, client keys) from what the gateway logs and
// serves. Providers sometimes echo the credential they received in an
// error message; that message reaches attempt lists, logs and, for a
// rejected request, the client.
type redactor struct {
	secrets []string
	raw     [][]byte
	scan    *tailScan // past fewSecrets: finds any of them in one pass
}

func newRedactor(routes []RouteSpec, keys []Key) *redactor {
	r := &redactor{}
	seen := map[string]bool{}
	add := func(s string) {
		if len(s) >= minSecretLen && !seen[s] {
			seen[s] = true
			r.secrets = append(r.secrets, s)
			r.raw = append(r.raw, []byte(s))
		}
	}
	for _, rs := range routes {
		for _, t := range rs.Chain {
			if t.Provider == nil {
				continue
			}
			add(t.Provider.APIKey.Reveal())
			for _, vs := range t.Provider.Header {
				for _, v := range vs {
					add(v)
					// "Bearer TOKEN": a provider may echo the token alone.
					if i := strings.LastIndexByte(v, ' '); i >= 0 {
						add(v[i+1:])
					}
				}
			}
		}
	}
	for _, k := range keys {
		add(k.Key.Reveal())
	}
	if len(r.raw) > fewSecrets {
		r.scan = newTailScan(r.raw)
	}
	return r
}

// bytes returns b without credentials; b itself when it holds none.
func (r *redactor) bytes(b []byte) []byte {
	if r.scan != nil {
		if !r.scan.holds(b) {
			return b
		}
		return r.replaceBytes(b, 0)
	}
	for i, s := range r.raw {
		if bytes.Contains(b, s) {
			return r.replaceBytes(b, i)
		}
	}
	return b
}

// replaceBytes replaces every secret from raw[from] on in b.
func (r *redactor) replaceBytes(b []byte, from int) []byte {
	for _, s := range r.raw[from:] {
		b = bytes.ReplaceAll(b, s, []byte(redactedText))
	}
	return b
}

// string returns s without credentials.
func (r *redactor) string(s string) string {
	if r.scan != nil {
		if !r.scan.holdsString(s) {
			return s
		}
		return r.replaceString(s, 0)
	}
	for i, sec := range r.secrets {
		if strings.Contains(s, sec) {
			return r.replaceString(s, i)
		}
	}
	return s
}

// replaceString replaces every secret from secrets[from] on in s.
func (r *redactor) replaceString(s string, from int) string {
	for _, sec := range r.secrets[from:] {
		s = strings.ReplaceAll(s, sec, redactedText)
	}
	return s
}

// values returns header values without credentials: vs itself when none
// holds one, else a redacted copy (vs may belong to an upstream response).
func (r *redactor) values(vs []string) []string {
	for i, v := range vs {
		if c := r.string(v); c != v {
			out := append([]string(nil), vs...)
			out[i] = c
			for j := i + 1; j < len(out); j++ {
				out[j] = r.string(out[j])
			}
			return out
		}
	}
	return vs
}

// handler wraps a log handler so that no record it writes holds a
// credential: the message and every attribute, in groups too, are
// redacted; values of other kinds are checked in their printed form.
func (r *redactor) handler(h slog.Handler) slog.Handler {
	if len(r.secrets) == 0 {
		return h
	}
	return &redactHandler{h: h, r: r}
}

type redactHandler struct {
	h slog.Handler
	r *redactor
}

func (rh *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return rh.h.Enabled(ctx, l)
}

func (rh *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, rh.r.string(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(rh.attr(a))
		return true
	})
	return rh.h.Handle(ctx, out)
}

func (rh *redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = rh.attr(a)
	}
	return &redactHandler{h: rh.h.WithAttrs(clean), r: rh.r}
}

func (rh *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{h: rh.h.WithGroup(name), r: rh.r}
}

func (rh *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		s := v.String()
		if c := rh.r.string(s); c != s {
			return slog.String(a.Key, c)
		}
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = rh.attr(ga)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		var s string
		switch x := v.Any().(type) {
		case error:
			s = x.Error()
		default:
			s = fmt.Sprintf("%+v", x)
		}
		if c := rh.r.string(s); c != s {
			return slog.String(a.Key, c)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

package gateway

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/lifelinehq/lifeline/internal/credential"
)

// minSecretLen is the shortest credential the redactor looks for. Real API
// keys are far longer; shorter values are placeholders that local servers
// accept ("ollama", "none", "EMPTY"), and hunting for them would mangle
// ordinary text that happens to contain such a word.
const minSecretLen = 12

// redactor removes the gateway's credentials (provider keys, the values of
// extra provider headers, the credentials of base URLs, client keys) from
// what the gateway logs and serves, in every form a copy takes in text
// (see credential.Forms): as sent, escaped in JSON (the gateway's own
// error bodies escape a key's " and &, a provider may escape its /) and
// escaped in a URL. Providers sometimes echo the credential they received
// in an error message; that message reaches attempt lists, logs and, for
// a rejected request, the client.
type redactor struct {
	set credential.Set
}

func newRedactor(routes []RouteSpec, keys []Key) *redactor {
	r := &redactor{}
	var secrets []string
	add := func(s string) {
		if len(s) >= minSecretLen {
			secrets = append(secrets, s)
		}
	}
	for _, rs := range routes {
		for _, t := range rs.Chain {
			if t.Provider == nil {
				continue
			}
			for _, v := range credential.Values(t.Provider.APIKey.Reveal(), t.Provider.Header, t.Provider.BaseURL) {
				add(v)
			}
		}
	}
	for _, k := range keys {
		add(k.Key.Reveal())
	}
	r.set.Add(secrets...)
	return r
}

// bytes returns b without credentials; b itself when it holds none.
func (r *redactor) bytes(b []byte) []byte { return r.set.Bytes(b) }

// string returns s without credentials.
func (r *redactor) string(s string) string { return r.set.String(s) }

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
	if r.set.Empty() {
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

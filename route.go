package lifeline

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lifelinehq/lifeline/internal/credential"
	"github.com/lifelinehq/lifeline/validate"
	"github.com/lifelinehq/lifeline/wire"
)

// Provider is a model API endpoint and its credentials. NewRoute reads its
// BaseURL and APIKey once; do not change a Provider while a route that
// uses it serves requests.
type Provider struct {
	// Name identifies the provider in target names ("anthropic" in
	// "anthropic/claude-sonnet-4-5"), metrics and logs.
	Name string
	// Kind is the provider's dialect. OpenAI covers every
	// OpenAI-compatible server (vLLM, Ollama, Groq, OpenRouter…).
	Kind wire.Dialect
	// BaseURL is the API root: https://api.openai.com/v1 for OpenAI
	// (paths are appended after it), https://api.anthropic.com for Anthropic.
	// A query it carries (Azure OpenAI's ?api-version=…) is sent after the
	// API path.
	BaseURL string
	// APIKey is sent as Authorization: Bearer (OpenAI) or x-api-key
	// (Anthropic). Empty sends none.
	APIKey Secret
	// Header holds extra headers sent on every request to the provider.
	Header http.Header
}

// Target is one model of one provider: a link of a route's chain.
type Target struct {
	Provider *Provider
	Model    string
}

// Name returns "provider/model", the target's name in attempts, metrics
// and the state store.
func (t Target) Name() string { return t.Provider.Name + "/" + t.Model }

// Route is a named chain of targets with its policy. It is immutable and
// safe for concurrent use; build it with Engine.NewRoute (a zero Route
// serves nothing: Do and a Transport refuse it with ErrBadRequest).
type Route struct {
	name       string
	nameHeader []string // shared, never modified
	targets    []target
	maxModel   int // the longest model name of the chain
	policy     Policy
	validator  *validate.Validator
}

// target is a Target with what an attempt needs precomputed.
type target struct {
	Target
	name       string   // "provider/model"
	nameHeader []string // shared, never modified
	authName   string   // Authorization or X-Api-Key
	authVal    []string // shared, never modified
	// secrets are the provider's credentials, scrubbed from what an
	// attempt reports.
	secrets credential.Set
	// request is the template of the target's upstream requests: method,
	// URL (base URL + dialect path) and protocol, which each attempt's
	// request takes (see upstreamCall.prepare). Never modified.
	request *http.Request
}

// setAuth sets the provider's credentials (and Anthropic's version header
// when the client sent none) on an upstream request's headers.
func (t *target) setAuth(h http.Header) {
	if t.authName != "" {
		h[t.authName] = t.authVal
	}
	if t.Provider.Kind == wire.Anthropic && len(h["Anthropic-Version"]) == 0 {
		h["Anthropic-Version"] = anthropicVersion
	}
}

var anthropicVersion = []string{wire.AnthropicVersion}

// scrub removes the provider's credentials (see credential.Values), in
// every form a copy of one takes, from text (an upstream error message
// that echoes one).
func (t *target) scrub(text string) string { return t.secrets.String(text) }

// scrubBytes is scrub for a body.
func (t *target) scrubBytes(b []byte) []byte { return t.secrets.Bytes(b) }

// scrubHeader is scrub for a response's header: h itself when no value
// holds a credential, else a copy without them (h is the upstream
// response's).
func (t *target) scrubHeader(h http.Header) http.Header {
	if t.secrets.Empty() {
		return h
	}
	for _, vs := range h {
		for _, v := range vs {
			if t.scrub(v) != v {
				out := make(http.Header, len(h))
				for k, vs := range h {
					c := make([]string, len(vs))
					for i, v := range vs {
						c[i] = t.scrub(v)
					}
					out[k] = c
				}
				return out
			}
		}
	}
	return h
}

// scrubErr returns err, or when its text holds a credential an error that
// reads without it: a validation failure stays one, with its reason
// scrubbed; any other error still matches what err matches (errors.Is)
// but does not unwrap to it, which would give the text back.
func (t *target) scrubErr(err error) error {
	if err == nil || t.secrets.Empty() {
		return err
	}
	msg := err.Error()
	clean := t.scrub(msg)
	if clean == msg {
		return err
	}
	if f, ok := err.(*validate.Failure); ok {
		return &validate.Failure{Validator: f.Validator, Reason: t.scrub(f.Reason)}
	}
	return &scrubbedError{msg: clean, err: err}
}

// scrubbedError is an error whose text held a credential (see scrubErr).
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }

// Is reports whether the original error matches target.
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.err, target) }

// minKeyLen is the shortest API key scrubbed from text, and minSecretLen
// the shortest other credential (a header's value, a base URL's password
// or key). Shorter values are placeholders that local servers accept
// ("ollama", "none"), or header values that are no secret
// ("2023-06-01"); hunting for them would mangle ordinary text.
const (
	minKeyLen    = 8
	minSecretLen = 12
)

// credentials builds the set of a provider's credentials to scrub.
func credentials(p *Provider) credential.Set {
	var vs []string
	if key := p.APIKey.Reveal(); len(key) >= minKeyLen {
		vs = append(vs, key)
	}
	for _, v := range credential.Values("", p.Header, p.BaseURL) {
		if len(v) >= minSecretLen {
			vs = append(vs, v)
		}
	}
	var s credential.Set
	s.Add(vs...) // in one call: the set's search is built once
	return s
}

// Name returns the route's name.
func (r *Route) Name() string { return r.name }

// String returns the route's name and chain, "smart [anthropic/claude-sonnet-4-5
// openai/gpt-4.1]". A route prints only this (fmt, slog): its targets hold
// their providers' credentials ready to send, which must never be printed.
func (r *Route) String() string {
	var b strings.Builder
	b.WriteString(r.name)
	b.WriteString(" [")
	for i := range r.targets {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(r.targets[i].name)
	}
	b.WriteByte(']')
	return b.String()
}

// GoString is String for the %#v verb.
func (r *Route) GoString() string { return "lifeline.Route(" + strconv.Quote(r.String()) + ")" }

// Targets returns the route's chain.
func (r *Route) Targets() []Target {
	out := make([]Target, len(r.targets))
	for i, t := range r.targets {
		out[i] = t.Target
	}
	return out
}

// Policy returns the route's effective policy (defaults filled in).
func (r *Route) Policy() Policy { return r.policy }

// NewRoute builds a route. It fails when the name or the chain is empty,
// a target has no provider, kind, http(s) base URL or model, an option
// sets a negative value (zero means the default) or a failure rate above
// 1, WithAction asks to retry rejected requests, or the route's schema does
// not compile. The route keeps each provider's base URL and API key as they
// are now: to change them, build a new route.
func (e *Engine) NewRoute(name string, chain []Target, opts ...RouteOption) (*Route, error) {
	if name == "" {
		return nil, errors.New("lifeline: route name is empty")
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("lifeline: route %q: chain is empty", name)
	}
	p := DefaultPolicy()
	for _, o := range opts {
		if err := o(&p); err != nil {
			return nil, fmt.Errorf("lifeline: route %q: %w", name, err)
		}
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("lifeline: route %q: %w", name, err)
	}
	p = p.withDefaults()
	r := &Route{name: name, nameHeader: []string{name}, policy: p}
	for i, t := range chain {
		if t.Provider == nil || t.Provider.Name == "" {
			return nil, fmt.Errorf("lifeline: route %q: chain[%d] has no provider", name, i)
		}
		if t.Provider.Kind != wire.OpenAI && t.Provider.Kind != wire.Anthropic {
			return nil, fmt.Errorf("lifeline: route %q: provider %q has no kind", name, t.Provider.Name)
		}
		u, err := url.Parse(t.Provider.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("lifeline: route %q: provider %q: base URL %q is not an http(s) URL", name, t.Provider.Name, credential.URL(t.Provider.BaseURL))
		}
		if t.Model == "" {
			return nil, fmt.Errorf("lifeline: route %q: chain[%d] has no model", name, i)
		}
		// The API path goes after the base URL's path, before its query
		// (Azure OpenAI's api-version), which is sent as it is.
		full := *u
		full.Path = strings.TrimRight(u.Path, "/") + t.Provider.Kind.Path()
		if u.RawPath != "" {
			full.RawPath = strings.TrimRight(u.RawPath, "/") + t.Provider.Kind.Path()
		}
		full.Fragment, full.RawFragment = "", ""
		tg := target{Target: t, name: t.Name(), nameHeader: []string{t.Name()}, secrets: credentials(t.Provider)}
		tg.request = &http.Request{
			Method: http.MethodPost, URL: &full, Host: full.Host,
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		}
		if key := t.Provider.APIKey.Reveal(); key != "" {
			if t.Provider.Kind == wire.Anthropic {
				tg.authName, tg.authVal = "X-Api-Key", []string{key}
			} else {
				tg.authName, tg.authVal = "Authorization", []string{"Bearer " + key}
			}
		}
		r.targets = append(r.targets, tg)
		r.maxModel = max(r.maxModel, len(t.Model))
	}
	v, err := validate.New(p.Validate, e.schemas)
	if err != nil {
		return nil, fmt.Errorf("lifeline: route %q: %w", name, err)
	}
	r.validator = v
	return r, nil
}

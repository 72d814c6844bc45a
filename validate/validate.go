// Package validate decides whether a 2xx answer is usable: it parses as
// JSON, matches a JSON Schema (from the route or from the request itself),
// calls only offered tools with arguments that match their schemas, is not
// empty or truncated, and passes custom checks. Fallback is gated on it.
package validate

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/lifelinehq/lifeline/wire"
)

// Failure is a validation failure: which validator refused the output and why.
type Failure struct {
	Validator string // "json", "schema", "tools", "non_empty", or a custom name
	Reason    string // human-readable, safe to return to clients
}

// Error implements error.
func (f *Failure) Error() string { return f.Validator + ": " + f.Reason }

// Func is a custom validator. It returns a non-nil error to refuse the
// output; the error's text becomes the Failure's Reason (cut to 300 bytes),
// so it should be short and safe to show clients. It must be safe for
// concurrent use.
type Func func(out *wire.Output) error

// Custom is a named custom validator.
type Custom struct {
	Name  string // the Failure's Validator; "custom" when empty
	Check Func
}

// Spec is a route's validation policy. Its zero value checks only what the
// request itself asks for: tool calls against the request's tools, and the
// answer against the request's own output format (its JSON Schema, or JSON
// for OpenAI json_object).
type Spec struct {
	// JSON requires the text to parse as JSON (after stripping one Markdown
	// code fence).
	JSON bool
	// Schema is a JSON Schema (draft 2020-12 or draft-07, chosen by its
	// $schema, 2020-12 by default) the text must match, as JSON; it implies
	// JSON. Nil for none. The request's own schema applies as well. It may
	// not reference other documents: external $refs are refused.
	Schema []byte
	// SchemaURL names Schema in error messages (a file path or "inline").
	SchemaURL string
	// NoTools turns off the tool-call check that otherwise applies whenever
	// the request offers tools.
	NoTools bool
	// NoRequestSchema ignores the output format the client sent in its
	// request: its JSON Schema and a plain JSON mode (OpenAI json_object).
	NoRequestSchema bool
	// NonEmpty refuses an answer with no text (whitespace is none), no
	// tool call and no other output (wire.Output.Other). A truncated
	// answer is refused whenever JSON is required, with or without
	// NonEmpty, as a non_empty failure whatever is left of its JSON.
	NonEmpty bool
	// Custom validators run last, in order.
	Custom []Custom
}

// Validator applies a compiled Spec. It is immutable and safe for
// concurrent use; compiled schemas are cached and shared.
type Validator struct {
	cache *Cache
	spec  Spec
	base  *Plan // what applies to a request that carries no schema or tools
}

// New compiles spec. It fails when the route schema does not compile or a
// custom validator has no Check. A nil cache gives the Validator a cache of
// its own (DefaultCacheSize entries); pass one shared Cache to compile each
// schema once for all routes.
func New(spec Spec, cache *Cache) (*Validator, error) {
	if cache == nil {
		cache = NewCache(DefaultCacheSize)
	}
	base := &Plan{json: spec.JSON, nonEmpty: spec.NonEmpty}
	if len(spec.Schema) > 0 {
		label := "route schema"
		if spec.SchemaURL != "" {
			label += " " + strconv.Quote(spec.SchemaURL)
		}
		sch, err := cache.schema(spec.Schema)
		if err != nil {
			return nil, withSource(err, label)
		}
		base.schemas = []checked{{sch: sch, label: label}}
	}
	for i, c := range spec.Custom {
		if c.Check == nil {
			return nil, fmt.Errorf("validate: custom validator %d (%q) has no Check", i, c.Name)
		}
	}
	spec.Custom = slices.Clone(spec.Custom)
	for i := range spec.Custom {
		if spec.Custom[i].Name == "" {
			spec.Custom[i].Name = "custom"
		}
	}
	spec.Schema = nil // compiled; the Validator does not keep the text
	base.custom = spec.Custom
	return &Validator{cache: cache, spec: spec, base: base}, nil
}

// Fixed returns the plan of a request that carries neither tools nor a
// response schema of its own: the route's checks alone. Callers that know
// the request's top level (wire.Scan's HasTools and HasSchema) use it to
// skip reading the body.
func (v *Validator) Fixed() *Plan { return v.base }

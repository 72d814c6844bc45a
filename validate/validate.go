// Package validate decides whether a 2xx answer is usable: it parses as
// JSON, matches a JSON Schema (from the route or from the request itself),
// calls only offered tools with arguments that match their schemas, is not
// empty or truncated, and passes custom checks. Fallback is gated on it.
package validate

import (
	"github.com/lifelinehq/lifeline/wire"
)

// Failure is a validation failure: which validator refused the output and why.
type Failure struct {
	Validator string // "json", "schema", "tools", "non_empty", or a custom name
	Reason    string // human-readable, safe to return to clients
}

// Error implements error.
func (f *Failure) Error() string { return f.Validator + ": " + f.Reason }

// Func is a custom validator. It returns a non-nil error to refuse the output.
type Func func(out *wire.Output) error

// Custom is a named custom validator.
type Custom struct {
	Name  string
	Check Func
}

// Spec is a route's validation policy. Its zero value validates tool calls
// against the request's tools and the request's own schema, nothing else.
type Spec struct {
	// JSON requires the text to parse as JSON (after stripping one Markdown
	// code fence).
	JSON bool
	// Schema is a JSON Schema (draft 2020-12 or draft-07) the text must match,
	// as JSON. Nil for none. The request's own schema applies as well.
	Schema []byte
	// SchemaURL names Schema in error messages (a file path or "inline").
	SchemaURL string
	// NoTools turns off the tool-call check that otherwise applies whenever
	// the request offers tools.
	NoTools bool
	// NoRequestSchema ignores the schema the client sent in its request.
	NoRequestSchema bool
	// NonEmpty refuses an answer with no text and no tool call.
	NonEmpty bool
	// Custom validators run last, in order.
	Custom []Custom
}

// Validator applies a compiled Spec. It is immutable and safe for
// concurrent use; compiled schemas are cached and shared.
type Validator struct {
	// unexported fields: compiled route schema, cache, spec
}

// New compiles spec. It fails when the route schema does not compile.
func New(spec Spec, cache *Cache) (*Validator, error) {
	panic("not implemented")
}

// Cache holds compiled schemas keyed by the SHA-256 of their text, bounded
// to a number of entries (least recently used evicted). Safe for concurrent
// use.
type Cache struct{}

// NewCache returns a cache of at most size compiled schemas.
func NewCache(size int) *Cache {
	panic("not implemented")
}

// Plan is what applies to one request: the validator's rules plus what the
// request itself asks for (its response schema, its tools).
type Plan struct {
	// unexported
}

// Plan reads the request body of dialect d (its response_format /
// output_config schema and its tools) and returns the checks that apply.
// A request whose own schema does not compile is reported as an error
// (the request is rejected before any upstream call).
func (v *Validator) Plan(d wire.Dialect, request []byte) (*Plan, error) {
	panic("not implemented")
}

// Empty reports whether no check applies (the engine then skips parsing
// the output entirely).
func (p *Plan) Empty() bool {
	panic("not implemented")
}

// Structured reports whether the request requires JSON output (json or a
// schema applies). Streams are then buffered by default.
func (p *Plan) Structured() bool {
	panic("not implemented")
}

// Check validates out. It returns nil or a *Failure.
func (p *Plan) Check(out *wire.Output) *Failure {
	panic("not implemented")
}

package validate

import (
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaLocation is the URL a schema is compiled under. Every compilation
// uses its own compiler, so one fixed location serves all schemas; relative
// references resolve against it and are then refused by noLoader.
const schemaLocation = "mem:///schema.json"

// noLoader refuses to load any resource: a schema may reference only
// itself (its own $defs, $anchors and embedded $id resources) and the
// standard meta-schemas, which the compiler carries. No network, no files.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, errors.New("external references are not allowed")
}

// compiled is a schema in both forms: the library's, which has the last
// word and explains failures, and the fast one (nil when the schema uses
// keywords outside its subset).
type compiled struct {
	lib     *jsonschema.Schema
	fast    *fnode
	weight  int // estimated memory held (see weight)
	objects int // JSON objects in the schema's text
}

// compileSchema compiles one JSON Schema text. The draft is taken from its
// $schema member (draft-07, 2019-09, 2020-12, also draft-04 and -06) and
// defaults to 2020-12. A schema beyond the bounds of bounds.go is refused
// before it is compiled.
func compileSchema(text []byte) (*compiled, error) {
	doc, err := parseJSON(text)
	if err != nil {
		return nil, &SchemaError{Reason: "not JSON: " + err.Error()}
	}
	objects := countObjects(doc, maxSchemaObjects)
	if objects > maxSchemaObjects {
		return nil, &SchemaError{Reason: fmt.Sprintf("too large: more than %d objects", maxSchemaObjects)}
	}
	var pats patterns
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(noLoader{})
	c.UseRegexpEngine(pats.compile)
	if err := c.AddResource(schemaLocation, doc); err != nil {
		return nil, &SchemaError{Reason: compileReason(err)}
	}
	sch, err := c.Compile(schemaLocation)
	if pats.insts > maxPatternInsts {
		// Refused by pats.compile, whether the compiler reports it as the
		// pattern's error or as the meta-schema's.
		return nil, &SchemaError{Reason: errPatternsTooLarge.Error()}
	}
	if err != nil {
		return nil, &SchemaError{Reason: compileReason(err)}
	}
	return &compiled{lib: sch, fast: fastCompile(sch), weight: weight(len(text), pats.insts), objects: objects}, nil
}

// SchemaError reports a JSON Schema that does not compile: not JSON, not a
// valid schema for its draft, or referring to an external resource.
type SchemaError struct {
	Source string // which schema: "route schema …", "response_format", "tool \"x\"", …
	Reason string // concise and safe to return to clients
}

// Error implements error.
func (e *SchemaError) Error() string {
	if e.Source == "" {
		return "invalid JSON Schema: " + e.Reason
	}
	return "invalid JSON Schema in " + e.Source + ": " + e.Reason
}

// withSource returns err with its source named, when it is a *SchemaError.
func withSource(err error, source string) error {
	var se *SchemaError
	if errors.As(err, &se) {
		return &SchemaError{Source: source, Reason: se.Reason}
	}
	return fmt.Errorf("%s: %w", source, err)
}

// compileReason renders a compiler error concisely, without the internal
// schema location.
func compileReason(err error) string {
	var sve *jsonschema.SchemaValidationError
	if errors.As(err, &sve) {
		var ve *jsonschema.ValidationError
		if errors.As(sve.Err, &ve) {
			return clip("not a valid schema for its draft: " + describe(ve))
		}
	}
	var le *jsonschema.LoadURLError
	if errors.As(err, &le) {
		url := strings.TrimPrefix(le.URL, "mem:///") // a relative reference
		return clip(fmt.Sprintf("cannot load %q: external references are not allowed", url))
	}
	msg := strings.ReplaceAll(err.Error(), schemaLocation, "schema")
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return clip(msg)
}

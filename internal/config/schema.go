package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/lifelinehq/lifeline/validate"
)

// Schema is a JSON Schema from the configuration: written inline (a YAML or
// JSON object, or a string holding a JSON object) or as the path of a JSON
// file, relative to the configuration file's folder.
type Schema struct {
	// Path is the file path as written; empty for an inline schema.
	Path string
	// JSON is the schema document; nil when no schema is set. Parse and Load
	// read it from Path.
	JSON []byte
}

// IsSet reports whether a schema was given.
func (s Schema) IsSet() bool { return s.Path != "" || len(s.JSON) > 0 }

// Source names the schema for humans: its path, or "inline".
func (s Schema) Source() string {
	switch {
	case s.Path != "":
		return s.Path
	case len(s.JSON) > 0:
		return "inline"
	}
	return ""
}

// String returns Source, so printing a Config shows where a schema came
// from rather than its bytes.
func (s Schema) String() string { return s.Source() }

// decodeSchema reads a json_schema value: a mapping is an inline schema; a
// string is a file path, or inline JSON when it starts with "{".
func (d *decoder) decodeSchema(n ast.Node, s *Schema, path string) {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		v, ok := d.toValue(n, path)
		if !ok {
			return
		}
		b, err := json.Marshal(v)
		if err != nil {
			d.c.add(path, "schema cannot be written as JSON: "+err.Error(), "use only JSON values in the schema")
			return
		}
		s.JSON = b
		return
	}
	text, ok := d.scalar(n, path, "a schema object or a file path", false)
	if !ok {
		return
	}
	if t := strings.TrimSpace(text); strings.HasPrefix(t, "{") {
		s.JSON = []byte(t)
		return
	}
	s.Path = text
}

// toValue converts a YAML node into plain Go values (map[string]any,
// []any, string, float64/int64, bool, nil) for JSON encoding.
func (d *decoder) toValue(n ast.Node, path string) (any, bool) {
	if !d.spend(path) {
		return nil, false
	}
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxAliasDepth {
		d.c.add(path, "schema nesting too deep", "simplify the schema or load it from a file")
		return nil, false
	}
	n = d.resolve(n, path)
	switch v := n.(type) {
	case nil:
		return nil, true
	case *ast.MappingNode, *ast.MappingValueNode:
		es, _ := d.entries(v, path)
		m := make(map[string]any, len(es))
		for _, e := range es {
			x, ok := d.toValue(e.value, joinPath(path, e.key))
			if !ok {
				return nil, false
			}
			m[e.key] = x
		}
		return m, true
	case *ast.SequenceNode:
		out := make([]any, 0, len(v.Values))
		for i, item := range v.Values {
			x, ok := d.toValue(item, indexPath(path, i))
			if !ok {
				return nil, false
			}
			out = append(out, x)
		}
		return out, true
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	case *ast.BoolNode:
		return v.Value, true
	case *ast.IntegerNode:
		return v.Value, true
	case *ast.FloatNode:
		if math.IsInf(v.Value, 0) || math.IsNaN(v.Value) {
			break
		}
		return v.Value, true
	}
	d.c.add(path, "value "+describeNode(n, false)+" has no JSON form", "use only JSON values (no .inf or .nan) in the schema")
	return nil, false
}

// loadSchemas reads every schema given as a file path, relative to dir.
func (c *Config) loadSchemas(dir string, col *collector) {
	for i := range c.Routes {
		s := &c.Routes[i].Validate.JSONSchema
		if s.Path == "" || s.JSON != nil {
			continue
		}
		p := s.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		path := fmt.Sprintf("routes[%d].validate.json_schema", i)
		b, err := os.ReadFile(p)
		if err != nil {
			reason := "cannot read it"
			if os.IsNotExist(err) {
				reason = "no such file"
			}
			col.add(path, fmt.Sprintf("schema file %q: %s (looked at %s)", s.Path, reason, p),
				"write the path relative to the configuration file's folder, or give the schema inline")
			continue
		}
		s.JSON = b
	}
}

// checkSchemaJSON reports why b is not a JSON object, or "".
func checkSchemaJSON(b []byte) string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return "not valid JSON: " + err.Error()
	}
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return "not a JSON object"
	}
	return ""
}

// compileSchema reports why the engine would refuse schema b, or "": the
// validator's own compiler judges it, so that `lifeline check` refuses
// exactly the schemas that serve would refuse.
func compileSchema(b []byte) string {
	_, err := validate.New(validate.Spec{Schema: b}, nil)
	if err == nil {
		return ""
	}
	var se *validate.SchemaError
	if errors.As(err, &se) {
		return se.Reason
	}
	return err.Error()
}

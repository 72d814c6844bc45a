package mock

import (
	"encoding/json"
	"testing"
)

// schemas covers the JSON Schema features the generator handles.
var schemas = map[string]string{
	"weather": weatherSchema,
	"person":  personSchema,
	"nested refs": `{"type":"object","$defs":{"item":{"type":"object","properties":{"sku":{"type":"string","pattern":"^.*$"},` +
		`"qty":{"type":"integer","minimum":1,"multipleOf":5}},"required":["sku","qty"]}},` +
		`"properties":{"items":{"type":"array","items":{"$ref":"#/$defs/item"},"minItems":1,"maxItems":3}},"required":["items"]}`,
	"nullable anyOf": `{"type":"object","properties":{"note":{"anyOf":[{"type":"null"},{"type":"string","maxLength":4}]},` +
		`"kind":{"oneOf":[{"const":"a"},{"const":"b"}]}},"required":["note","kind"]}`,
	"type list": `{"type":"object","properties":{"v":{"type":["null","number"],"exclusiveMaximum":0}},"required":["v"]}`,
	"formats": `{"type":"object","properties":{"when":{"type":"string","format":"date-time"},"day":{"type":"string","format":"date"},` +
		`"mail":{"type":"string","format":"email"},"id":{"type":"string","format":"uuid"},"site":{"type":"string","format":"uri"},` +
		`"ip":{"type":"string","format":"ipv4"}},"required":["when","day","mail","id","site","ip"]}`,
	"enum numbers":   `{"type":"object","properties":{"level":{"enum":[3,5,8]},"on":{"type":"boolean"},"nothing":{"type":"null"}},"required":["level"]}`,
	"no type":        `{"properties":{"x":{}},"required":["x","y"]}`,
	"string root":    `{"type":"string","minLength":2,"maxLength":3}`,
	"array root":     `{"type":"array","items":{"type":"integer","maximum":-10}}`,
	"prefix items":   `{"type":"array","prefixItems":[{"type":"string"},{"type":"boolean"}],"minItems":2}`,
	"number root":    `{"type":"number","minimum":10,"maximum":10.25}`,
	"empty":          `{}`,
	"recursive tree": `{"type":"object","properties":{"name":{"type":"string"},"kids":{"type":"array","items":{"$ref":"#"}}},"required":["name"]}`,
}

// The valid output satisfies the schema; the broken ones do not; notJSON
// is not JSON.
func TestGenerateSatisfiesSchema(t *testing.T) {
	for name, schema := range schemas {
		t.Run(name, func(t *testing.T) {
			check := schemaCheck(t, schema)
			o := generate([]byte(schema))
			if err := check(string(o.valid)); err != nil {
				t.Errorf("valid output %s fails: %v", o.valid, err)
			}
			if json.Valid(o.notJSON) {
				t.Errorf("notJSON %s is JSON", o.notJSON)
			}
			for _, mode := range []string{"missing", "type"} {
				b := o.broken(mode)
				if json.Valid(b) && check(string(b)) == nil && name != "empty" {
					t.Errorf("broken(%s) %s passes the schema", mode, b)
				}
			}
		})
	}
}

// Broken outputs are JSON whenever the schema can be broken by JSON.
func TestBrokenIsJSONWhenPossible(t *testing.T) {
	for _, name := range []string{"weather", "person", "nested refs", "string root", "array root", "number root"} {
		o := generate([]byte(schemas[name]))
		for _, mode := range []string{"missing", "type"} {
			if b := o.broken(mode); !json.Valid(b) {
				t.Errorf("%s broken(%s) = %s, want JSON", name, mode, b)
			}
		}
	}
	if o := generate([]byte(`{}`)); json.Valid(o.broken("missing")) {
		t.Errorf("a schema that accepts anything can only be broken by non-JSON, got %s", o.broken("missing"))
	}
}

// FuzzGenerate: any schema text yields JSON for the valid output, quickly,
// and a notJSON that is not JSON.
func FuzzGenerate(f *testing.F) {
	for _, s := range schemas {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"$ref":"#","properties":{"a":{"$ref":"#"},"b":{"$ref":"#"},"c":{"$ref":"#"}}}`))
	f.Add([]byte(`{"type":"integer","minimum":1e400}`))
	f.Add([]byte(`{"type":"string","minLength":1e12}`))
	f.Fuzz(func(t *testing.T, schema []byte) {
		o := generate(schema)
		if !json.Valid(o.valid) {
			t.Fatalf("valid output %q is not JSON", o.valid)
		}
		if json.Valid(o.notJSON) {
			t.Fatalf("notJSON %q is JSON", o.notJSON)
		}
		if len(o.valid) > 8<<20 {
			t.Fatalf("output of %d bytes", len(o.valid))
		}
	})
}

// FuzzParseRequest: any body is either refused or read without panicking.
func FuzzParseRequest(f *testing.F) {
	f.Add([]byte(`{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[]}`))
	f.Add([]byte(`{"model":"m","tools":[{"type":"function","function":{"name":"x","parameters":{"type":"object"}}}],"tool_choice":{"type":"function","function":{"name":"x"}}}`))
	f.Add([]byte(`{"model":"m","output_config":{"format":{"type":"json_schema","schema":{"type":"object"}}}}`))
	f.Add([]byte(`{"model":"\u00e9\"","response_format":{"type":"json_schema","json_schema":{"schema":{}}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, d := range dialects {
			r, err := parseRequest(d.d, body)
			if err != nil {
				continue
			}
			if r.model != nil && !json.Valid(r.model) {
				t.Fatalf("model %q is not a JSON literal", r.model)
			}
			if r.kind == answerTool && (len(r.toolName) < 2 || !json.Valid(r.toolName)) {
				t.Fatalf("tool name %q", r.toolName)
			}
		}
	})
}

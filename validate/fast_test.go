package validate

import (
	"strings"
	"testing"
)

// fastSchemas are schemas inside the fast subset; the fast form must agree
// with the library on every instance.
var fastSchemas = []string{
	orderSchema,
	`true`,
	`false`,
	`{}`,
	`{"type": "integer", "minimum": 1, "exclusiveMaximum": 10}`,
	`{"type": "number", "minimum": 0.1, "maximum": 1e2}`,
	`{"type": ["string", "null"], "minLength": 2, "maxLength": 4}`,
	`{"type": "string", "pattern": "^[a-z]+\\d?$"}`,
	`{"enum": ["a", "é", 1, 2.5, true, null]}`,
	`{"const": 10}`,
	`{"type": "array", "items": {"type": "boolean"}, "minItems": 1, "maxItems": 3}`,
	`{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a", "b"], "maxProperties": 3}`,
	`{"type": "object", "additionalProperties": {"type": "number"}}`,
	`{"anyOf": [{"type": "string"}, {"type": "integer"}]}`,
	`{"oneOf": [{"type": "number"}, {"type": "integer"}]}`,
	`{"allOf": [{"minLength": 1}, {"maxLength": 3}], "not": {"const": "no"}}`,
	`{"not": {"type": "object", "properties": {"a": {"type": "string"}}}}`,
	`{"not": {"additionalProperties": {"type": "number"}}}`,
	`{"oneOf": [{"type": "integer"}, {"minimum": 5}]}`,
	`{"$defs": {"node": {"type": "object", "properties": {"v": {"type": "integer"}, "next": {"$ref": "#/$defs/node"}}, "required": ["v"], "additionalProperties": false}}, "$ref": "#/$defs/node"}`,
	`{"$ref": "#/$defs/s", "maxLength": 2, "$defs": {"s": {"type": "string"}}}`,
	`{"$schema": "http://json-schema.org/draft-07/schema#", "$ref": "#/definitions/s", "maxLength": 2, "definitions": {"s": {"type": "string"}}}`,
	`{"$schema": "http://json-schema.org/draft-07/schema#", "type": "string", "format": "email"}`,
	`{"type": "string", "format": "email"}`,
	`{"type": "object", "properties": {"a~b": {"const": "x"}, "c/d": {"type": "null"}}, "additionalProperties": false}`,
}

var instances = []string{
	orderAnswer(2048),
	strings.Replace(orderAnswer(600), `"quantity":1`, `"quantity":0`, 1),
	strings.Replace(orderAnswer(600), `"vip":true`, `"vip":"yes"`, 1),
	strings.Replace(orderAnswer(600), `"status":"shipped"`, `"status":"lost"`, 1),
	strings.Replace(orderAnswer(600), `"order_id":"ord_8f3k2j"`, `"order_id":"ORD"`, 1),
	`null`, `true`, `false`, `0`, `1`, `1.0`, `10`, `9.999`, `1e1`, `-1`, `0.1`, `0.09999999999999999999`,
	`100`, `100.0000000000000000001`, `2.5`, `25e-1`, `3`,
	`""`, `"a"`, `"ab"`, `"abcd"`, `"abcde"`, `"é"`, `"\u00e9"`, `"ab1"`, `"AB"`, `"no"`, `"x"`,
	`"a@example.com"`, `"not an email"`, `"\ud83d\ude00\ud83d\ude00"`,
	`[]`, `[true]`, `[true, false, true]`, `[true, false, true, false]`, `[1]`,
	`{}`, `{"a": "x"}`, `{"a": "x", "b": 1}`, `{"a": 1, "b": 1}`, `{"a": "x", "b": 1, "c": 2, "d": 3}`,
	`{"b": 1, "a": "x"}`, `{"\u0061": "x", "b": null}`, `{"x": 1.5, "y": -2}`, `{"x": "1"}`,
	`{"a~b": "x", "c/d": null}`, `{"a~b": "y"}`, `{"e": 1}`,
	`{"v": 1}`, `{"v": 1, "next": {"v": 2, "next": {"v": 3}}}`, `{"v": 1, "next": {"v": "2"}}`, `{"v": 1, "next": {}}`,
	`{"v": 1, "w": 2}`, `{"a": "x", "a": 1}`, `{"a": 1, "a": "x"}`,
	`{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k1":"x"}`,
	`{"k1":"x","k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k10":1}`,
	`{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":"x","k10":1}`,
	`{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11}`,
}

func TestFastAgreesWithLibrary(t *testing.T) {
	for _, s := range fastSchemas {
		c, err := compileSchema([]byte(s))
		if err != nil {
			t.Fatalf("compile %s: %v", s, err)
		}
		if c.fast == nil {
			t.Errorf("schema has no fast form: %s", s)
			continue
		}
		for _, in := range instances {
			doc, err := parseJSON([]byte(in))
			if err != nil {
				t.Fatalf("instance %s: %v", in, err)
			}
			want := c.lib.Validate(doc) == nil
			run := fcheck{b: []byte(in)}
			_, got := run.check(c.fast, wsEnd(run.b, 0))
			if run.undecided {
				continue // left to the library
			}
			if got != want {
				t.Errorf("schema %s\ninstance %.80s\nfast valid = %v, library valid = %v", s, in, got, want)
			}
		}
	}
}

func TestFastSubsetFallsBack(t *testing.T) {
	for _, s := range []string{
		`{"type": "number", "multipleOf": 0.5}`,
		`{"patternProperties": {"^x": {"type": "string"}}}`,
		`{"if": {"type": "string"}, "then": {"minLength": 1}}`,
		`{"type": "array", "uniqueItems": true}`,
		`{"prefixItems": [{"type": "string"}]}`,
		`{"unevaluatedProperties": false}`,
		`{"enum": [{"a": 1}]}`,
		`{"minProperties": 1}`,
		`{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}`,
		`{"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "string"}]}`,
	} {
		c, err := compileSchema([]byte(s))
		if err != nil {
			t.Logf("compile %s: %v", s, err)
			continue
		}
		if c.fast != nil {
			t.Errorf("schema outside the fast subset got a fast form: %s", s)
		}
	}
}

func TestIsIntegerLit(t *testing.T) {
	for lit, want := range map[string]bool{
		"0": true, "-0": true, "1": true, "1.0": true, "1.5": false, "15e-1": false, "150e-2": false,
		"1e3": true, "1.5e1": true, "1.25e1": false, "0.0": true, "0.1e1": true, "-12.000": true,
		"1e-1": false, "0e-5": true, "123456789012345678901234567890": true,
		"10000000000000000000000000000000000000000000000000000000000000000.5": false,
	} {
		if got, known := isIntegerLit([]byte(lit)); got != want || !known {
			t.Errorf("isIntegerLit(%s) = %v, %v; want %v, true", lit, got, known, want)
		}
	}
	if _, known := isIntegerLit([]byte("1e100001")); known {
		t.Error("isIntegerLit(1e100001) decided; want it left to the library")
	}
}

// FuzzFastAgreesWithLibrary checks that the fast form is sound.
func FuzzFastAgreesWithLibrary(f *testing.F) {
	var compiled []*compiled
	for _, s := range fastSchemas {
		c, err := compileSchema([]byte(s))
		if err != nil {
			f.Fatal(err)
		}
		compiled = append(compiled, c)
	}
	for i, in := range instances {
		f.Add(uint8(i), []byte(in))
	}
	f.Fuzz(func(t *testing.T, which uint8, in []byte) {
		if checkJSON(in) != nil {
			return
		}
		c := compiled[int(which)%len(compiled)]
		doc, err := parseJSON(in)
		if err != nil {
			t.Fatal(err)
		}
		// The fast form must never accept what the library refuses. (It may
		// refuse more: the library then has the last word. The table test
		// checks that it agrees on ordinary instances.)
		if c.fast.valid(in) && c.lib.Validate(doc) != nil {
			t.Fatalf("schema %d, instance %q: fast form accepts, library refuses", int(which)%len(compiled), in)
		}
	})
}

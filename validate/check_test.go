package validate

import (
	"errors"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

func check(t *testing.T, spec Spec, out wire.Output) *Failure {
	t.Helper()
	p := mustPlan(t, mustNew(t, spec), wire.OpenAI, `{"model":"m"}`)
	return p.Check(&out)
}

func TestJSONValidator(t *testing.T) {
	for _, tt := range []struct {
		text string
		ok   bool
		want string
	}{
		{`{"a": 1}`, true, ""},
		{"  [1, 2]\n", true, ""},
		{"```json\n{\"a\": 1}\n```", true, ""},
		{"\n```JSON\n{\"a\": 1}\n```\n\n", true, ""},
		{"```\n[true]\n```", true, ""},
		{"```json {\"a\": 1} ```", true, ""},
		{`"just a string"`, true, ""},
		{"Sure! Here it is: {\"a\": 1}", false, "invalid JSON in text: invalid character 'S'"},
		{"```json\n{\"a\": 1}\n```\nHope this helps!", false, "invalid JSON"},
		{"```python\n{\"a\": 1}\n```", false, "invalid JSON"},
		// One fence is stripped, not two.
		{"```json\n```json\n{\"a\": 1}\n```\n```", false, "invalid JSON in text: invalid character '`'"},
		{`{"a": 1,}`, false, "invalid JSON in text: invalid character '}'"},
		{`{"a": [1, 2`, false, "truncated JSON in text"},
		{"```json\n{\"a\": \"unfinished", false, "truncated JSON in text"},
		{"", false, "no JSON: the text is empty"},
		{"```json\n```", false, "no JSON: the text is empty"},
	} {
		f := check(t, Spec{JSON: true}, wire.Output{Text: tt.text, FinishReason: "stop"})
		if tt.ok != (f == nil) || f != nil && (f.Validator != "json" || !strings.Contains(f.Reason, tt.want)) {
			t.Errorf("%q: %v, want ok=%v %q", tt.text, f, tt.ok, tt.want)
		}
	}
}

func TestStripFence(t *testing.T) {
	for in, want := range map[string]string{
		"```json\n{}\n```":  "\n{}\n",
		" ```\n[]\n``` \n":  "\n[]\n",
		"```json":           "",
		"```json\n{\"a\":":  "\n{\"a\":",
		"{\"a\": \"```\"}":  "{\"a\": \"```\"}",
		"```jsonl\n{}\n```": "jsonl\n{}\n",
	} {
		if got := StripFence(in); got != want {
			t.Errorf("StripFence(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTruncatedJSONIsRefused(t *testing.T) {
	// Cut inside a value by the token limit: non_empty, as a whole JSON
	// cut short is, so both count under one validator.
	f := check(t, Spec{JSON: true}, wire.Output{Text: `{"a": "b`, FinishReason: "length", Truncated: true})
	if f == nil || f.Validator != "non_empty" || !strings.Contains(f.Reason, "truncated JSON") || !strings.Contains(f.Reason, "token limit") {
		t.Errorf("cut JSON: %v", f)
	}
	// Complete JSON, but the model hit its limit: non_empty refuses it even
	// though NonEmpty is off.
	f = check(t, Spec{JSON: true}, wire.Output{Text: `12`, FinishReason: "max_tokens", Truncated: true})
	if f == nil || f.Validator != "non_empty" || !strings.Contains(f.Reason, `truncated JSON`) || !strings.Contains(f.Reason, `"max_tokens"`) {
		t.Errorf("truncated answer: %v", f)
	}
	// Without a JSON requirement a truncated answer is the client's business.
	if f := check(t, Spec{}, wire.Output{Text: "Once upon a", Truncated: true}); f != nil {
		t.Errorf("prose truncated: %v", f)
	}
}

func TestNonEmpty(t *testing.T) {
	spec := Spec{NonEmpty: true}
	for _, out := range []wire.Output{{Text: ""}, {Text: " \n\t "}} {
		if f := check(t, spec, out); f == nil || f.Validator != "non_empty" {
			t.Errorf("%q: %v, want non_empty", out.Text, f)
		}
	}
	for _, out := range []wire.Output{{Text: "ok"}, {ToolCalls: []wire.ToolCall{{Name: "x", Arguments: []byte(`{}`)}}}} {
		if f := check(t, spec, out); f != nil {
			t.Errorf("%+v: %v", out, f)
		}
	}
}

func TestSchemaDrafts(t *testing.T) {
	draft7 := `{"$schema":"http://json-schema.org/draft-07/schema#",`
	tests := []struct {
		name   string
		schema string
		text   string
		ok     bool
	}{
		// draft-07 asserts format; 2020-12 treats it as an annotation.
		{"07 format", draft7 + `"type":"string","format":"email"}`, `"not an email"`, false},
		{"2020 format", `{"type":"string","format":"email"}`, `"not an email"`, true},
		// draft-07 ignores the siblings of $ref; 2020-12 applies them.
		{"07 ref siblings", draft7 + `"$ref":"#/definitions/s","maxLength":2,"definitions":{"s":{"type":"string"}}}`, `"long"`, true},
		{"2020 ref siblings", `{"$ref":"#/$defs/s","maxLength":2,"$defs":{"s":{"type":"string"}}}`, `"long"`, false},
		// draft-07 tuple items; 2020-12 prefixItems.
		{"07 tuple", draft7 + `"items":[{"type":"string"}],"additionalItems":false}`, `["a", 1]`, false},
		{"2020 tuple", `{"prefixItems":[{"type":"string"}],"items":false}`, `["a"]`, true},
		{"explicit 2020", `{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"integer"}]}`, `["a"]`, false},
	}
	for _, tt := range tests {
		f := check(t, Spec{Schema: []byte(tt.schema)}, wire.Output{Text: tt.text})
		if tt.ok != (f == nil) || f != nil && f.Validator != "schema" {
			t.Errorf("%s: %v, want ok=%v", tt.name, f, tt.ok)
		}
	}
}

func TestSchemaImpliesJSON(t *testing.T) {
	p := mustPlan(t, mustNew(t, Spec{Schema: []byte(`{}`)}), wire.OpenAI, `{}`)
	if !p.Structured() {
		t.Error("a schema did not make the plan structured")
	}
	if f := p.Check(&wire.Output{Text: "hello"}); f == nil || f.Validator != "json" {
		t.Errorf("prose against the empty schema: %v, want a json failure", f)
	}
}

func TestSchemaFailureReason(t *testing.T) {
	long := `{"order_id":"ord_1","status":"shipped","customer":{"name":"A","email":"a@b","vip":1},"items":[],"notes":"` +
		strings.Repeat("secret ", 200) + `"}`
	f := check(t, Spec{Schema: []byte(orderSchema), SchemaURL: "order.json"}, wire.Output{Text: long})
	if f == nil || f.Validator != "schema" {
		t.Fatalf("got %v, want a schema failure", f)
	}
	want := `text does not match route schema "order.json": at /customer/vip: got number, want boolean`
	if f.Reason != want {
		t.Errorf("Reason = %q\nwant %q", f.Reason, want)
	}
	// Patterns quote the offending value; the reason stays short anyway.
	f = check(t, Spec{Schema: []byte(`{"type":"string","pattern":"^x"}`)}, wire.Output{Text: `"` + strings.Repeat("y", 5000) + `"`})
	if f == nil || len(f.Reason) > maxReason {
		t.Errorf("Reason is %d bytes, want at most %d: %v", len(f.Reason), maxReason, f)
	}
}

func TestTextChecksSkippedForToolTurns(t *testing.T) {
	p := mustPlan(t, mustNew(t, Spec{JSON: true}), wire.OpenAI, `{"tools":[{"type":"function","function":{"name":"t"}}]}`)
	out := &wire.Output{Text: "Let me look that up.", ToolCalls: []wire.ToolCall{{Name: "t", Arguments: []byte(`{}`)}}}
	if f := p.Check(out); f != nil {
		t.Errorf("tool turn refused for its prose: %v", f)
	}
}

func TestCheckOrder(t *testing.T) {
	custom := Custom{Name: "never", Check: func(*wire.Output) error { return errors.New("custom refused") }}
	spec := Spec{JSON: true, Schema: []byte(`{"type":"object"}`), NonEmpty: true, Custom: []Custom{custom}}
	p := mustPlan(t, mustNew(t, spec), wire.Anthropic, `{"tools":[{"name":"t","input_schema":{"type":"object"}}]}`)
	for _, tt := range []struct {
		out  wire.Output
		want string
	}{
		{wire.Output{Text: "nope"}, "json"},
		{wire.Output{Text: "[]"}, "schema"},
		{wire.Output{ToolCalls: []wire.ToolCall{{Name: "u", Arguments: []byte(`{}`)}}}, "tools"},
		{wire.Output{Text: "{}", Truncated: true}, "non_empty"},
		{wire.Output{Text: "{}"}, "never"},
	} {
		if f := p.Check(&tt.out); f == nil || f.Validator != tt.want {
			t.Errorf("%+v: %v, want %s", tt.out, f, tt.want)
		}
	}
}

func TestEmptyPlan(t *testing.T) {
	p := mustPlan(t, mustNew(t, Spec{}), wire.OpenAI, `{"model":"m","messages":[]}`)
	if !p.Empty() || p.Structured() {
		t.Errorf("Empty = %v, Structured = %v; want true, false", p.Empty(), p.Structured())
	}
	if f := p.Check(&wire.Output{}); f != nil {
		t.Errorf("empty plan refused: %v", f)
	}
}

func TestLibraryDecidesWhenFastFormCannot(t *testing.T) {
	// Repeated member names: the library sees the last one.
	schema := `{"type":"object","properties":{"a":{"type":"string"}}}`
	if f := check(t, Spec{Schema: []byte(schema)}, wire.Output{Text: `{"a": 1, "a": "x"}`}); f != nil {
		t.Errorf("last member valid: %v", f)
	}
	if f := check(t, Spec{Schema: []byte(schema)}, wire.Output{Text: `{"a": "x", "a": 1}`}); f == nil {
		t.Error("last member invalid: accepted")
	}
	// A schema outside the fast subset.
	if f := check(t, Spec{Schema: []byte(`{"type":"array","uniqueItems":true}`)}, wire.Output{Text: `[1, 1.0]`}); f == nil || !strings.Contains(f.Reason, "equal") {
		t.Errorf("uniqueItems: %v", f)
	}
}

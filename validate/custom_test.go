package validate

import (
	"errors"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

func TestMinLength(t *testing.T) {
	c := MinLength(3)
	if c.Name != "min_length" {
		t.Errorf("Name = %q", c.Name)
	}
	for text, ok := range map[string]bool{"abc": true, "héé": true, "ab": false, "": false, "日本": false, "日本語": true} {
		if err := c.Check(&wire.Output{Text: text}); (err == nil) != ok {
			t.Errorf("MinLength(3)(%q) = %v, want ok=%v", text, err, ok)
		}
	}
}

func TestRegex(t *testing.T) {
	c, err := Regex(`^\d{3}-\d{4}$`)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "regex" {
		t.Errorf("Name = %q", c.Name)
	}
	if err := c.Check(&wire.Output{Text: "555-1234"}); err != nil {
		t.Error(err)
	}
	if err := c.Check(&wire.Output{Text: "call 555-1234"}); err == nil || !strings.Contains(err.Error(), `does not match "^\\d{3}-\\d{4}$"`) {
		t.Errorf("non-matching text: %v", err)
	}
	if _, err := Regex(`(`); err == nil {
		t.Error("bad pattern accepted")
	}
}

func TestRequiredFields(t *testing.T) {
	c := RequiredFields("id", "name")
	if c.Name != "required_fields" {
		t.Errorf("Name = %q", c.Name)
	}
	for _, tt := range []struct {
		text, want string
	}{
		{`{"id": 1, "name": "x", "extra": true}`, ""},
		{"```json\n{\"id\": 1, \"name\": null}\n```", ""},
		{`{"id": 1}`, `missing field "name"`},
		{`{}`, `missing fields "id", "name"`},
		{`{"nested": {"id": 1, "name": 2}}`, `missing fields`},
		{`[{"id": 1, "name": 2}]`, "not a JSON object"},
		{`{"id": 1, "na`, "truncated JSON"},
		{`id: 1`, "invalid JSON"},
	} {
		err := c.Check(&wire.Output{Text: tt.text})
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%q: %v, want %q", tt.text, err, tt.want)
		}
	}
}

func TestCustomValidatorsRunInOrderAfterBuiltIns(t *testing.T) {
	var ran []string
	mk := func(name string, fail bool) Custom {
		return Custom{Name: name, Check: func(*wire.Output) error {
			ran = append(ran, name)
			if fail {
				return errors.New(name + " says no: " + strings.Repeat("x", 1000))
			}
			return nil
		}}
	}
	spec := Spec{JSON: true, Custom: []Custom{mk("first", false), mk("second", true), mk("third", true)}}
	p := mustPlan(t, mustNew(t, spec), wire.OpenAI, `{}`)
	if f := p.Check(&wire.Output{Text: "not json"}); f == nil || f.Validator != "json" || len(ran) != 0 {
		t.Fatalf("custom validators ran before json: %v, ran %v", f, ran)
	}
	f := p.Check(&wire.Output{Text: "{}"})
	if f == nil || f.Validator != "second" || !strings.HasPrefix(f.Reason, "second says no") || len(f.Reason) > maxReason {
		t.Errorf("got %v", f)
	}
	if strings.Join(ran, ",") != "first,second" {
		t.Errorf("ran %v, want first,second", ran)
	}
	if f := check(t, Spec{Custom: []Custom{{Check: func(*wire.Output) error { return errors.New("no") }}}}, wire.Output{}); f == nil || f.Validator != "custom" {
		t.Errorf("unnamed custom validator: %v", f)
	}
}

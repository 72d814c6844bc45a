package validate

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

const citySchema = `{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}`

func mustNew(t *testing.T, spec Spec) *Validator {
	t.Helper()
	v, err := New(spec, NewCache(16))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustPlan(t *testing.T, v *Validator, d wire.Dialect, req string) *Plan {
	t.Helper()
	p, err := v.Plan(d, []byte(req))
	if err != nil {
		t.Fatalf("Plan(%s): %v", req, err)
	}
	return p
}

func TestPlanRequestSchema(t *testing.T) {
	good := &wire.Output{Text: `{"city":"Paris"}`}
	bad := &wire.Output{Text: `{"town":"Paris"}`}
	tests := []struct {
		name string
		d    wire.Dialect
		req  string
	}{
		{"openai json_schema", wire.OpenAI, `{"model":"m","messages":[{"role":"user","content":"hi"}],
			"response_format":{"type":"json_schema","json_schema":{"name":"city","strict":true,"schema":` + citySchema + `}}}`},
		{"anthropic output_config", wire.Anthropic, `{"model":"m","max_tokens":10,"messages":[],
			"output_config":{"format":{"type":"json_schema","schema":` + citySchema + `}}}`},
		{"anthropic output_format", wire.Anthropic, `{"model":"m","output_format":{"type":"json_schema","schema":` + citySchema + `}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlan(t, mustNew(t, Spec{}), tt.d, tt.req)
			if !p.Structured() || p.Empty() {
				t.Fatalf("Structured = %v, Empty = %v; want true, false", p.Structured(), p.Empty())
			}
			if f := p.Check(good); f != nil {
				t.Errorf("good output refused: %v", f)
			}
			f := p.Check(bad)
			if f == nil || f.Validator != "schema" || !strings.Contains(f.Reason, `missing property 'city'`) {
				t.Errorf("bad output: %v, want a schema failure naming city", f)
			}
		})
	}
}

func TestPlanIgnoresTheOtherDialectsMember(t *testing.T) {
	v := mustNew(t, Spec{})
	p := mustPlan(t, v, wire.Anthropic, `{"response_format":{"type":"json_object"}}`)
	if !p.Empty() {
		t.Error("an Anthropic request's response_format was honoured")
	}
	p = mustPlan(t, v, wire.OpenAI, `{"output_config":{"format":{"type":"json_schema","schema":{}}}}`)
	if !p.Empty() {
		t.Error("an OpenAI request's output_config was honoured")
	}
}

func TestPlanJSONObjectAndText(t *testing.T) {
	v := mustNew(t, Spec{})
	p := mustPlan(t, v, wire.OpenAI, `{"response_format":{"type":"json_object"}}`)
	if !p.Structured() {
		t.Fatal("json_object: not structured")
	}
	if f := p.Check(&wire.Output{Text: "sure!"}); f == nil || f.Validator != "json" {
		t.Errorf("json_object accepted prose: %v", f)
	}
	p = mustPlan(t, v, wire.OpenAI, `{"response_format":{"type":"text"},"response_format2":1}`)
	if !p.Empty() || p.Structured() {
		t.Error("text format: want no checks")
	}
}

func TestPlanNoRequestSchema(t *testing.T) {
	v := mustNew(t, Spec{NoRequestSchema: true})
	p := mustPlan(t, v, wire.OpenAI, `{"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":`+citySchema+`}}}`)
	if !p.Empty() {
		t.Error("NoRequestSchema: the request's schema still applies")
	}
	// A schema that does not compile is not even read.
	if _, err := v.Plan(wire.OpenAI, []byte(`{"response_format":{"type":"json_schema","json_schema":{"schema":{"type":1}}}}`)); err != nil {
		t.Errorf("NoRequestSchema: %v", err)
	}
}

func TestPlanRouteAndRequestSchemaBothApply(t *testing.T) {
	v := mustNew(t, Spec{Schema: []byte(`{"type":"object","required":["country"]}`), SchemaURL: "route.json"})
	p := mustPlan(t, v, wire.OpenAI, `{"response_format":{"type":"json_schema","json_schema":{"name":"city","schema":`+citySchema+`}}}`)
	f := p.Check(&wire.Output{Text: `{"city":"Paris"}`})
	if f == nil || !strings.Contains(f.Reason, `route schema "route.json"`) {
		t.Errorf("route schema not applied: %v", f)
	}
	f = p.Check(&wire.Output{Text: `{"country":"FR"}`})
	if f == nil || !strings.Contains(f.Reason, `response_format schema "city"`) {
		t.Errorf("request schema not applied: %v", f)
	}
	// The base plan is not changed by a request's schema.
	if base := mustPlan(t, v, wire.OpenAI, `{}`); len(base.schemas) != 1 {
		t.Errorf("base plan has %d schemas, want 1", len(base.schemas))
	}
}

func TestPlanTools(t *testing.T) {
	tests := []struct {
		name string
		d    wire.Dialect
		req  string
	}{
		{"openai", wire.OpenAI, `{"tools":[
			{"type":"function","function":{"name":"weather","parameters":` + citySchema + `}},
			{"type":"function","function":{"name":"now"}}]}`},
		{"anthropic", wire.Anthropic, `{"tools":[
			{"name":"weather","description":"d","input_schema":` + citySchema + `},
			{"type":"web_search_20250305","name":"now","max_uses":2}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlan(t, mustNew(t, Spec{}), tt.d, tt.req)
			if p.Empty() || p.Structured() {
				t.Fatalf("Empty = %v, Structured = %v; want false, false", p.Empty(), p.Structured())
			}
			for _, c := range []struct {
				call wire.ToolCall
				ok   bool
				want string
			}{
				{wire.ToolCall{Name: "weather", Arguments: []byte(`{"city":"Oslo"}`)}, true, ""},
				{wire.ToolCall{Name: "now", Arguments: []byte(`{"anything":[1,2]}`)}, true, ""},
				{wire.ToolCall{Name: "now"}, true, ""}, // no arguments count as {}
				{wire.ToolCall{Name: "forecast", Arguments: []byte(`{}`)}, false, `unknown tool "forecast"; offered: weather, now`},
				{wire.ToolCall{Name: "weather", Arguments: []byte(`{"city":7}`)}, false, `at /city: got number, want string`},
				{wire.ToolCall{Name: "weather", Arguments: []byte(`{"city":"Oslo"`)}, false, `truncated JSON in tool "weather" arguments`},
				{wire.ToolCall{Name: "weather", Arguments: []byte(`city=Oslo`)}, false, `invalid JSON in tool "weather" arguments`},
				{wire.ToolCall{Name: "now", Arguments: []byte(`[1]`)}, false, `tool "now" arguments are not a JSON object`},
			} {
				out := &wire.Output{ToolCalls: []wire.ToolCall{c.call}, FinishReason: "tool_calls"}
				f := p.Check(out)
				if c.ok != (f == nil) || f != nil && (f.Validator != "tools" || !strings.Contains(f.Reason, c.want)) {
					t.Errorf("%s(%s): %v, want ok=%v %q", c.call.Name, c.call.Arguments, f, c.ok, c.want)
				}
			}
		})
	}
}

func TestPlanNoTools(t *testing.T) {
	v := mustNew(t, Spec{NoTools: true})
	p := mustPlan(t, v, wire.OpenAI, `{"tools":[{"type":"function","function":{"name":"a"}}]}`)
	if !p.Empty() {
		t.Error("NoTools: the tool check still applies")
	}
}

func TestPlanRejectsBadRequests(t *testing.T) {
	v := mustNew(t, Spec{})
	for _, tt := range []struct {
		name      string
		d         wire.Dialect
		req       string
		schemaErr bool
		want      string
	}{
		{"bad schema", wire.OpenAI, `{"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"strin"}}}}`, true, `response_format schema "x"`},
		{"remote ref", wire.Anthropic, `{"output_config":{"format":{"type":"json_schema","schema":{"$ref":"https://example.com/s.json"}}}}`, true, `external references are not allowed`},
		{"file ref", wire.Anthropic, `{"output_config":{"format":{"type":"json_schema","schema":{"$ref":"file:///etc/passwd"}}}}`, true, `external references are not allowed`},
		{"relative ref", wire.OpenAI, `{"response_format":{"type":"json_schema","json_schema":{"schema":{"$ref":"defs.json#/a"}}}}`, true, `cannot load "defs.json"`},
		{"unknown meta-schema", wire.OpenAI, `{"response_format":{"type":"json_schema","json_schema":{"schema":{"$schema":"https://example.com/meta"}}}}`, true, `external references`},
		{"bad tool schema", wire.Anthropic, `{"tools":[{"name":"t","input_schema":{"required":"x"}}]}`, true, `tool "t"`},
		{"not JSON", wire.OpenAI, `{"model":`, false, "not valid JSON"},
		{"trailing data", wire.OpenAI, `{} x`, false, "not valid JSON"},
		{"trailing comma", wire.OpenAI, `{"model":"m",}`, false, "not valid JSON"},
		{"missing colon", wire.OpenAI, `{"model" "m"}`, false, "not valid JSON"},
		{"missing comma", wire.OpenAI, `{"model":"m" "tools":[]}`, false, "not valid JSON"},
		{"bad message", wire.OpenAI, `{"messages":[{"content":"\x"}]}`, false, "not valid JSON"},
		{"empty body", wire.OpenAI, ``, false, "not a JSON object"},
		{"malformed json_schema", wire.OpenAI, `{"response_format":{"type":"json_schema","json_schema":[]}}`, false, "response_format.json_schema is not an object"},
		{"malformed tool name", wire.Anthropic, `{"tools":[{"name":7}]}`, false, "tools[].name is not a string"},
		{"not an object", wire.OpenAI, `[1]`, false, "not a JSON object"},
		{"malformed format", wire.OpenAI, `{"response_format":"json"}`, false, "response_format"},
		{"malformed tools", wire.Anthropic, `{"tools":{"name":"x"}}`, false, "tools"},
	} {
		_, err := v.Plan(tt.d, []byte(tt.req))
		var se *SchemaError
		if err == nil || errors.As(err, &se) != tt.schemaErr || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want schema error %v containing %q", tt.name, err, tt.schemaErr, tt.want)
		}
	}
}

func TestPlanSkipsUnneededMembers(t *testing.T) {
	v := mustNew(t, Spec{})
	// Escaped member names are read; other members are not decoded.
	p := mustPlan(t, v, wire.OpenAI, `{"messages":[{"content":"\"tools\": ["}],"response_\u0066ormat":{"type":"json_object"}}`)
	if !p.Structured() {
		t.Error("escaped member name not recognised")
	}
	// With nothing to read, the base plan is shared.
	v = mustNew(t, Spec{NoTools: true, NoRequestSchema: true, NonEmpty: true})
	p1, p2 := mustPlan(t, v, wire.OpenAI, `{}`), mustPlan(t, v, wire.Anthropic, `not even JSON`)
	if p1 != p2 {
		t.Error("want the shared base plan")
	}
}

func TestNewRejectsBadSpec(t *testing.T) {
	if _, err := New(Spec{Schema: []byte(`{"type":`), SchemaURL: "x.json"}, nil); err == nil || !strings.Contains(err.Error(), `route schema "x.json"`) {
		t.Errorf("bad route schema: %v", err)
	}
	if _, err := New(Spec{Custom: []Custom{{Name: "x"}}}, nil); err == nil {
		t.Error("custom validator without Check accepted")
	}
	if _, err := mustNew(t, Spec{}).Plan(0, []byte(`{}`)); err == nil {
		t.Error("unknown dialect accepted")
	}
}

func TestPlanReusesCompiledSchemas(t *testing.T) {
	cache := NewCache(16)
	v1, _ := New(Spec{}, cache)
	v2, _ := New(Spec{JSON: true}, cache)
	req := `{"response_format":{"type":"json_schema","json_schema":{"name":"c","schema":` + citySchema + `}},
		"tools":[{"type":"function","function":{"name":"w","parameters":` + citySchema + `}}]}`
	for _, v := range []*Validator{v1, v2, v1} {
		mustPlan(t, v, wire.OpenAI, req)
	}
	if st := cache.Stats(); st.Compiles != 1 || st.Hits != 5 {
		t.Errorf("stats = %+v, want the one schema compiled once and hit 5 times", st)
	}
}

func TestConcurrentPlansAndChecks(t *testing.T) {
	v := mustNew(t, Spec{NonEmpty: true})
	req := []byte(`{"response_format":{"type":"json_schema","json_schema":{"name":"c","schema":` + citySchema + `}}}`)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				p, err := v.Plan(wire.OpenAI, req)
				if err != nil {
					t.Error(err)
					return
				}
				text := `{"city":"Rome"}`
				if (i+j)%2 == 1 {
					text = `{"city":1}`
				}
				if f := p.Check(&wire.Output{Text: text}); (f == nil) != ((i+j)%2 == 0) {
					t.Errorf("%s: %v", text, f)
				}
			}
		})
	}
	wg.Wait()
}

// FuzzPlan feeds arbitrary request bodies to Plan: it must not panic, and
// it must accept exactly the bodies that are JSON objects (its members of
// the right shape).
func FuzzPlan(f *testing.F) {
	for _, s := range []string{
		`{"model":"m","messages":[{"role":"user","content":"hi"}]}`,
		`{"response_format":{"type":"json_schema","json_schema":{"name":"c","schema":` + citySchema + `}}}`,
		`{"output_config":{"format":{"type":"json_schema","schema":{"type":"string"}}},"tools":[{"name":"t"}]}`,
		`{"tools":[{"type":"function","function":{"name":"f","parameters":{}}}]}`,
		`{"a":1,}`, `[1]`, ``,
	} {
		f.Add([]byte(s))
	}
	v, err := New(Spec{}, NewCache(64))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, d := range []wire.Dialect{wire.OpenAI, wire.Anthropic} {
			p, err := v.Plan(d, body)
			object := json.Valid(body) && body[wsEnd(body, 0)] == '{'
			if err == nil && !object {
				t.Fatalf("%s: accepted %q", d, body)
			}
			if err != nil && object && strings.Contains(err.Error(), "not valid JSON") {
				t.Fatalf("%s: %q: %v", d, body, err)
			}
			if p != nil {
				p.Check(&wire.Output{Text: string(body)})
			}
		}
	})
}

// A call of an OpenAI custom tool (free-form input) passes the tool check,
// read from the response as the provider sends it.
func TestPlanCustomToolCallFromResponse(t *testing.T) {
	p := mustPlan(t, mustNew(t, Spec{}), wire.OpenAI, `{"tools":[
		{"type":"custom","custom":{"name":"code_exec","description":"runs Python"}},
		{"type":"function","function":{"name":"weather","parameters":`+citySchema+`}}]}`)
	out, err := wire.ParseOutput(wire.OpenAI, []byte(`{"choices":[{"index":0,"message":{"role":"assistant","content":null,`+
		`"tool_calls":[{"id":"call_1","type":"custom","custom":{"name":"code_exec","input":"print(1)"}}]},"finish_reason":"tool_calls"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if f := p.Check(&out); f != nil {
		t.Errorf("custom tool call refused: %v", f)
	}
}

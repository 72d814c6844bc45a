package mock

import (
	"context"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// withModel returns a test request body for another model.
func withModel(body, model string) string {
	for _, m := range []string{`"model":"claude-test-1"`, `"model":"gpt-test-1"`} {
		body = strings.Replace(body, m, `"model":"`+model+`"`, 1)
	}
	return body
}

// A model with a schema in Config.Schemas answers a plain or json_object
// request with JSON that fits the schema, broken by bad_schema and
// not_json; a request with a schema or tools of its own keeps them; other
// models answer as before.
func TestModelSchemas(t *testing.T) {
	const answerSchema = `{"type":"object","required":["answer","confidence"],` +
		`"properties":{"answer":{"type":"string"},"confidence":{"type":"number"}}}`
	check := schemaCheck(t, answerSchema)
	checkPerson := schemaCheck(t, personSchema)
	srv, ts := startServer(t, Config{Schemas: map[string]Schema{"json-model": Schema(answerSchema)}})
	for _, dl := range dialects {
		for _, stream := range []bool{false, true} {
			for _, k := range []kind{kText, kJSONObject} {
				if k == kJSONObject && dl.d == wire.Anthropic {
					continue // no json_object on this wire
				}
				o, _ := answer(t, dl.d, post(t, context.Background(), ts.URL, dl.path, withModel(requestBody(dl.d, k, stream), "json-model")), stream)
				if err := check(o.text); err != nil {
					t.Errorf("%s stream=%v kind %d: answer %q does not fit the model's schema: %v", dl.d, stream, k, o.text, err)
				}
				if e, ok := srv.Lookup(o.id); !ok || !e.Valid || e.Model != "json-model" {
					t.Errorf("ledger entry %+v, want a valid answer for json-model", e)
				}
			}
			for _, fault := range []string{"bad_schema", "not_json"} {
				o, _ := answer(t, dl.d, post(t, context.Background(), ts.URL, dl.path,
					withModel(requestBody(dl.d, kText, stream), "json-model"), "X-Mock-Fault", fault), stream)
				if check(o.text) == nil {
					t.Errorf("%s stream=%v %s: answer %q fits the schema", dl.d, stream, fault, o.text)
				}
				if e, _ := srv.Lookup(o.id); e.Valid {
					t.Errorf("%s %s: ledger says valid", dl.d, fault)
				}
			}
		}
		// The request's own schema and tools win.
		o, _ := answer(t, dl.d, post(t, context.Background(), ts.URL, dl.path, withModel(requestBody(dl.d, kSchema, false), "json-model")), false)
		if err := checkPerson(o.text); err != nil {
			t.Errorf("%s: a request with its own schema got %q: %v", dl.d, o.text, err)
		}
		o, _ = answer(t, dl.d, post(t, context.Background(), ts.URL, dl.path, withModel(requestBody(dl.d, kTool, false), "json-model")), false)
		if o.toolName != "get_weather" {
			t.Errorf("%s: a request with tools got no tool call: %+v", dl.d, o)
		}
		// Another model answers in text.
		o, _ = answer(t, dl.d, post(t, context.Background(), ts.URL, dl.path, requestBody(dl.d, kText, false)), false)
		if o.text != DefaultText {
			t.Errorf("%s: another model answered %q", dl.d, o.text)
		}
	}

	c, err := ParseConfig([]byte("schemas:\n  m1: {type: object, required: [a], properties: {a: {type: integer}}}\n  m2: '{\"type\":\"object\"}'\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(c.Schemas["m1"]); got != `{"type":"object","required":["a"],"properties":{"a":{"type":"integer"}}}` {
		t.Errorf("YAML mapping schema read as %s", got)
	}
	if got := string(c.Schemas["m2"]); got != `{"type":"object"}` {
		t.Errorf("YAML string schema read as %s", got)
	}
	for _, bad := range []string{"schemas: {m: [1, 2]}\n", "schemas: {m: 'not json'}\n"} {
		if _, err := ParseConfig([]byte(bad)); err == nil || !strings.Contains(err.Error(), `"m"`) {
			t.Errorf("ParseConfig(%q): %v, want an error naming the model", bad, err)
		}
	}
}

package translate

import (
	"encoding/json"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// OpenAI takes a function whose parameters are {} (no parameters) or a
// schema without its root "type"; Anthropic refuses a tool whose
// input_schema has no "type": "object" at its root ("tools.0.custom.
// input_schema.type: Field required"). The translated tool's schema says
// it is an object, and keeps everything else.
func TestRequestToolSchemaIsAnObject(t *testing.T) {
	for params, want := range map[string]string{
		`{}`:    `{"type":"object","properties":{}}`,
		` { } `: `{"type":"object","properties":{}}`,
		`null`:  `{"type":"object","properties":{}}`,
		`{"properties":{"city":{"type":"string"}},"required":["city"]}`: `{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`,
		`{"type":"object","properties":{"a":{"type":"integer"}}}`:       `{"type":"object","properties":{"a":{"type":"integer"}}}`,
	} {
		body := `{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":` + params + `}}]}`
		out, err := Request(wire.OpenAI, wire.Anthropic, []byte(body), "claude")
		if err != nil {
			t.Fatalf("%s: %v", params, err)
		}
		var req struct {
			Tools []struct {
				InputSchema json.RawMessage `json:"input_schema"`
			} `json:"tools"`
		}
		if err := json.Unmarshal(out, &req); err != nil {
			t.Fatal(err)
		}
		if len(req.Tools) != 1 || normalizeJSON(t, req.Tools[0].InputSchema) != normalizeJSON(t, []byte(want)) {
			t.Errorf("parameters %s: request %s, want input_schema %s", params, out, want)
		}
	}
}

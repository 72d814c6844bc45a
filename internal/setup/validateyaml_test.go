package setup_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// textUpstream is an OpenAI-compatible server whose answer's text is
// texts[model].
func textUpstream(t *testing.T, texts map[string]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Model string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		text, _ := json.Marshal(texts[req.Model])
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"c1","object":"chat.completion","created":1,"model":%q,`+
			`"choices":[{"index":0,"message":{"role":"assistant","content":%s},"finish_reason":"stop"}],`+
			`"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`, req.Model, text)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestValidationFromYAMLThroughGateway serves routes whose validate
// section is written in YAML: a draft-07 schema file named relative to the
// configuration file's folder, and the named checks min_length, regex and
// required_fields. An answer that passes is served; one that fails is the
// 502 invalid_output of a route with no other target. One Markdown fence
// is stripped before JSON is read, and only one.
func TestValidationFromYAMLThroughGateway(t *testing.T) {
	const good = "```json\n{\"answer\": \"a summary of it all\"}\n```"
	up := textUpstream(t, map[string]string{
		"good":     good,
		"short":    `{"answer": "x"}`,
		"other":    `{"other": "no summary here, though long enough"}`,
		"wrong":    `{"answer": 7, "summary": true}`,
		"twofence": "```json\n" + good + "\n```",
	})
	y := `
providers:
  - {name: p, kind: openai, base_url: "` + up.URL + `/v1"}
routes:
  - {name: schema-good, chain: [{provider: p, model: good}], validate: {json_schema: schemas/answer.json}}
  - {name: schema-wrong, chain: [{provider: p, model: wrong}], validate: {json_schema: schemas/answer.json}}
  - {name: schema-twofence, chain: [{provider: p, model: twofence}], validate: {json_schema: schemas/answer.json}}
  - name: checks-good
    chain: [{provider: p, model: good}]
    validate: {checks: [{min_length: 20}, {regex: '(?i)\bsummary\b'}, {required_fields: [answer]}]}
  - {name: min-length, chain: [{provider: p, model: short}], validate: {checks: [{min_length: 20}]}}
  - {name: regex, chain: [{provider: p, model: short}], validate: {checks: [{regex: '(?i)\bsummary\b'}]}}
  - {name: required-fields, chain: [{provider: p, model: other}], validate: {checks: [{required_fields: [answer]}]}}
  - {name: required-fields-twofence, chain: [{provider: p, model: twofence}], validate: {checks: [{required_fields: [answer]}]}}
defaults:
  retry: {max_attempts: 1}
`
	// draft-07: the $ref's sibling maxLength is ignored, as that draft says.
	schema := `{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "required": ["answer"],
		"properties": {"answer": {"$ref": "#/definitions/text", "maxLength": 1}}, "definitions": {"text": {"type": "string"}}}`
	ts := serveYAML(t, y, map[string]string{"schemas/answer.json": schema})

	for route, want := range map[string]int{
		"schema-good":              http.StatusOK,
		"schema-wrong":             http.StatusBadGateway,
		"schema-twofence":          http.StatusBadGateway,
		"checks-good":              http.StatusOK,
		"min-length":               http.StatusBadGateway,
		"regex":                    http.StatusBadGateway,
		"required-fields":          http.StatusBadGateway,
		"required-fields-twofence": http.StatusBadGateway,
	} {
		body := `{"model":"` + route + `","messages":[{"role":"user","content":"hi"}]}`
		resp, err := http.Post(ts.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("route %s: status %d, want %d: %s", route, resp.StatusCode, want, b)
			continue
		}
		if want == http.StatusBadGateway && !strings.Contains(string(b), `"invalid_output"`) {
			t.Errorf("route %s: %s, want an invalid_output error", route, b)
		}
	}
}

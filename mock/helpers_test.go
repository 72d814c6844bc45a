package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// dialects lists both dialects with their generation path.
var dialects = []struct {
	d    wire.Dialect
	path string
}{{wire.OpenAI, pathOpenAI}, {wire.Anthropic, pathAnthropic}}

// Schemas used across the tests.
const (
	weatherSchema = `{"type":"object","properties":{"location":{"type":"string","minLength":3},` +
		`"unit":{"type":"string","enum":["celsius","fahrenheit"]},"days":{"type":"integer","minimum":1,"maximum":7},` +
		`"detailed":{"type":"boolean"}},"required":["location","unit"],"additionalProperties":false}`
	personSchema = `{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":18},` +
		`"score":{"type":"number","exclusiveMinimum":0,"maximum":1},"tags":{"type":"array","items":{"type":"string"},"minItems":2},` +
		`"address":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},` +
		`"required":["name","age","score","tags","address"],"additionalProperties":false}`
)

// body kinds of test requests.
type kind int

const (
	kText kind = iota
	kTool
	kSchema
	kJSONObject
)

// requestBody builds a request of dialect d.
func requestBody(d wire.Dialect, k kind, stream bool) string {
	var b strings.Builder
	if d == wire.Anthropic {
		b.WriteString(`{"model":"claude-test-1","max_tokens":256,"messages":[{"role":"user","content":"What is the weather in Paris?"}]`)
	} else {
		b.WriteString(`{"model":"gpt-test-1","messages":[{"role":"user","content":"What is the weather in Paris?"}]`)
	}
	if stream {
		b.WriteString(`,"stream":true`)
		if d == wire.OpenAI {
			b.WriteString(`,"stream_options":{"include_usage":true}`)
		}
	}
	switch {
	case k == kTool && d == wire.Anthropic:
		b.WriteString(`,"tools":[{"name":"get_weather","description":"weather","input_schema":` + weatherSchema + `},{"name":"other","input_schema":{"type":"object"}}]`)
	case k == kTool:
		b.WriteString(`,"tools":[{"type":"function","function":{"name":"get_weather","parameters":` + weatherSchema + `}},{"type":"function","function":{"name":"other","parameters":{"type":"object"}}}]`)
	case k == kSchema && d == wire.Anthropic:
		b.WriteString(`,"output_config":{"format":{"type":"json_schema","schema":` + personSchema + `}}`)
	case k == kSchema:
		b.WriteString(`,"response_format":{"type":"json_schema","json_schema":{"name":"person","strict":true,"schema":` + personSchema + `}}`)
	case k == kJSONObject:
		b.WriteString(`,"response_format":{"type":"json_object"}`)
	}
	b.WriteString("}")
	return b.String()
}

// startServer serves a mock over HTTP for the test's duration.
func startServer(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		_ = s.Close()
		ts.Close()
	})
	return s, ts
}

// post sends a request; headers alternate names and values.
func post(t *testing.T, ctx context.Context, url, path, body string, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

// event is a copied SSE event.
type event struct {
	name, data string
}

// readEvents reads a whole stream. end is nil at a clean end of stream.
func readEvents(t *testing.T, r io.Reader) (evs []event, end error) {
	t.Helper()
	rd := sse.NewReader(r, 0)
	for {
		ev, err := rd.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return evs, nil
			}
			return evs, err
		}
		evs = append(evs, event{string(ev.Name), string(ev.Data)})
	}
}

// names returns the Anthropic event names, or for OpenAI a label per
// chunk: role, content, tool, finish, usage, done, error.
func names(d wire.Dialect, evs []event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		if d == wire.Anthropic {
			out[i] = ev.name
			continue
		}
		out[i] = openAILabel(ev.data)
	}
	return out
}

func openAILabel(data string) string {
	if data == "[DONE]" {
		return "done"
	}
	var c struct {
		Error   json.RawMessage `json:"error"`
		Choices []struct {
			Delta struct {
				Role      *string         `json:"role"`
				Content   *string         `json:"content"`
				ToolCalls json.RawMessage `json:"tool_calls"`
			} `json:"delta"`
			FinishReason *string `json:"finish_reason"`
		} `json:"choices"`
		Usage json.RawMessage `json:"usage"`
	}
	if err := json.Unmarshal([]byte(data), &c); err != nil {
		return "invalid"
	}
	switch {
	case c.Error != nil:
		return "error"
	case len(c.Choices) == 0 && len(c.Usage) > 0 && string(c.Usage) != "null":
		return "usage"
	case len(c.Choices) != 1:
		return "invalid"
	}
	ch := c.Choices[0]
	switch {
	case ch.FinishReason != nil:
		return "finish"
	case ch.Delta.ToolCalls != nil:
		return "tool"
	case ch.Delta.Role != nil:
		return "role"
	case ch.Delta.Content != nil:
		return "content"
	}
	return "other"
}

// schemaCheck compiles a JSON schema for validating instances.
func schemaCheck(t testing.TB, schema string) func(instance string) error {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return func(instance string) error {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(instance))
		if err != nil {
			return err
		}
		return sch.Validate(v)
	}
}

// errorBody reads a JSON error body of dialect d.
func errorBody(t *testing.T, d wire.Dialect, body []byte) wire.UpstreamError {
	t.Helper()
	u, ok := wire.ParseError(body)
	if !ok {
		t.Fatalf("not an error body: %s", body)
	}
	if d == wire.Anthropic {
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		if m["type"] != "error" || m["request_id"] == nil {
			t.Fatalf("Anthropic error body lacks type or request_id: %s", body)
		}
	} else {
		var m struct {
			Error map[string]json.RawMessage `json:"error"`
		}
		_ = json.Unmarshal(body, &m)
		for _, k := range []string{"message", "type", "param", "code"} {
			if _, ok := m.Error[k]; !ok {
				t.Fatalf("OpenAI error body lacks %q: %s", k, body)
			}
		}
	}
	return u
}

// readAll reads a body, tolerating a cut connection.
func readAll(r io.Reader) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(r)
	return b.Bytes(), err
}

package wire_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

func TestPeek(t *testing.T) {
	tests := []struct {
		name string
		body string
		want wire.Fields
	}{
		{
			name: "openai streaming request with tools and schema",
			body: `{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}],` +
				`"tools":[{"type":"function","function":{"name":"f","parameters":{}}}],` +
				`"response_format":{"type":"json_schema","json_schema":{"name":"a","schema":{}}}}`,
			want: wire.Fields{Model: "gpt-4o", Stream: true, HasMessages: true, HasTools: true, HasSchema: true},
		},
		{
			name: "anthropic request with output_config",
			body: `{"max_tokens":1024,"messages":[{"role":"user","content":"hi"}],"model":"claude-sonnet-4-5","output_config":{"format":{"type":"json_schema","schema":{}}}}`,
			want: wire.Fields{Model: "claude-sonnet-4-5", HasMessages: true, HasSchema: true},
		},
		{
			name: "empty messages",
			body: `{"model":"m","messages":[ ]}`,
			want: wire.Fields{Model: "m"},
		},
		{
			name: "messages not an array",
			body: `{"model":"m","messages":"hi"}`,
			want: wire.Fields{Model: "m"},
		},
		{
			name: "model last, after nested model keys",
			body: `{"messages":[{"role":"user","content":"x","model":"evil"}],"metadata":{"model":"evil2"},"model":"good"}`,
			want: wire.Fields{Model: "good", HasMessages: true},
		},
		{
			name: "only nested model keys",
			body: `{"messages":[{"role":"user","model":"evil"}],"metadata":{"model":"evil"},"extra":[{"model":"x"}]}`,
			want: wire.Fields{HasMessages: true},
		},
		{
			name: "model text inside a string value",
			body: `{"messages":[{"role":"user","content":"{\"model\":\"evil\",\"stream\":true}"}],"model":"good"}`,
			want: wire.Fields{Model: "good", HasMessages: true},
		},
		{
			name: "escaped quote and backslash in content before model",
			body: `{"messages":[{"content":"a\\\"b\\\\"}],"model":"good"}`,
			want: wire.Fields{Model: "good", HasMessages: true},
		},
		{
			name: "escaped model string",
			body: `{"model":"gpt-4o\u002dmini"}`,
			want: wire.Fields{Model: "gpt-4o-mini"},
		},
		{
			name: "model with escaped quote, slash and unicode",
			body: `{"model":"a\"b\/c\u00e9\ud83d\ude42"}`,
			want: wire.Fields{Model: "a\"b/cé🙂"},
		},
		{
			name: "model with raw unicode",
			body: `{"model":"modèle-🙂"}`,
			want: wire.Fields{Model: "modèle-🙂"},
		},
		{
			name: "escaped key",
			body: `{"mod\u0065l":"gpt-4o","str\u0065am":true}`,
			want: wire.Fields{Model: "gpt-4o", Stream: true},
		},
		{
			name: "whitespace everywhere",
			body: " \r\n\t{ \"stream\" :\ttrue ,\r\n \"model\"\n:\n\"m\" , \"tools\" : [ ] ,\"messages\" : [ {} ] }\n\t ",
			want: wire.Fields{Model: "m", Stream: true, HasMessages: true},
		},
		{
			name: "tools with whitespace only are empty",
			body: `{"model":"m","tools":[  ]}`,
			want: wire.Fields{Model: "m"},
		},
		{
			name: "nulls and wrong types",
			body: `{"model":null,"stream":"true","messages":null,"tools":null,"response_format":null,"output_config":null}`,
			want: wire.Fields{},
		},
		{
			name: "response_format object and output_config null",
			body: `{"model":"m","response_format":{"type":"json_object"},"output_config":null}`,
			want: wire.Fields{Model: "m", HasSchema: true},
		},
		{
			name: "duplicate members: the last wins",
			body: `{"model":"first","stream":true,"model":"second","stream":false,"tools":[1],"tools":[]}`,
			want: wire.Fields{Model: "second"},
		},
		{
			name: "stream false",
			body: `{"model":"m","stream":false}`,
			want: wire.Fields{Model: "m"},
		},
		{
			name: "empty object",
			body: `{}`,
			want: wire.Fields{},
		},
		{
			name: "empty model",
			body: `{"model":""}`,
			want: wire.Fields{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wire.Peek([]byte(tt.body))
			if err != nil {
				t.Fatalf("Peek: %v", err)
			}
			if !sameFields(got, tt.want) {
				t.Errorf("Peek = %+v, want %+v", exported(got), tt.want)
			}
		})
	}
}

// exported returns the exported part of f, for comparison and printing.
func exported(f wire.Fields) wire.Fields {
	return wire.Fields{Model: f.Model, Stream: f.Stream, HasMessages: f.HasMessages, HasTools: f.HasTools, HasSchema: f.HasSchema}
}

func sameFields(a, b wire.Fields) bool { return exported(a) == exported(b) }

func TestPeekErrors(t *testing.T) {
	tests := []struct {
		body string
		want error
	}{
		{``, wire.ErrMalformed},
		{`   `, wire.ErrMalformed},
		{`{"model":"x"`, wire.ErrMalformed},
		{`{"model":}`, wire.ErrMalformed},
		{`{"model":"x",}`, wire.ErrMalformed},
		{`{model:"x"}`, wire.ErrMalformed},
		{`{'model':'x'}`, wire.ErrMalformed},
		{`{"model":"x"} {"model":"y"}`, wire.ErrMalformed},
		{`{"model":"x"}]`, wire.ErrMalformed},
		{`{"model":"\x"}`, wire.ErrMalformed},
		{`{"model":"a` + "\n" + `b"}`, wire.ErrMalformed},
		{`{"messages":[}`, wire.ErrMalformed},
		{"\xef\xbb\xbf{}", wire.ErrMalformed}, // a byte order mark is not JSON
		{`[]`, wire.ErrNotObject},
		{`[{"model":"x"}]`, wire.ErrNotObject},
		{`"model"`, wire.ErrNotObject},
		{`null`, wire.ErrNotObject},
		{`42`, wire.ErrNotObject},
		{` true `, wire.ErrNotObject},
	}
	for _, tt := range tests {
		_, err := wire.Peek([]byte(tt.body))
		if !errors.Is(err, tt.want) {
			t.Errorf("Peek(%q) error = %v, want %v", tt.body, err, tt.want)
		}
	}
}

// decodeObject decodes a JSON object into its members, numbers kept as
// written.
func decodeObject(t testing.TB, b []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("invalid JSON %q: %v", b, err)
	}
	if d.More() {
		t.Fatalf("trailing data after the object in %q", b)
	}
	return m
}

// checkSetModel verifies that out is body with only its model changed to
// model, comparing the decoded objects.
func checkSetModel(t testing.TB, body, out []byte, model string) {
	t.Helper()
	if !json.Valid(out) {
		t.Fatalf("SetModel result is not valid JSON: %q", out)
	}
	before, after := decodeObject(t, body), decodeObject(t, out)
	if got, ok := after["model"].(string); !ok || got != model {
		t.Fatalf("model = %#v in %q, want %q", after["model"], out, model)
	}
	delete(before, "model")
	delete(after, "model")
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("SetModel changed more than the model:\n before %q\n after  %q", body, out)
	}
	f, err := wire.Peek(out)
	if err != nil || f.Model != model {
		t.Fatalf("Peek(SetModel result) = %q, %v; want %q", f.Model, err, model)
	}
}

func TestSetModel(t *testing.T) {
	bodies := []string{
		`{"model":"gpt-4o","messages":[{"role":"user","content":"hi","model":"nested"}],"stream":true}`,
		`{"messages":[],"model":"claude-sonnet-4-5"}`,
		`{"model":"a\"b\u00e9"}`,
		"{ \"model\" :\n \"spaced\" , \"x\":1 }",
		`{"mod\u0065l":"escaped-key","x":1}`,
		`{"messages":[]}`,
		`{"messages":[{"model":"nested"}],"temperature":0.70}`,
		`{}`,
		`{ }`,
		" \n{\n}\n",
		`{"model":null,"messages":[]}`,
		`{"model":42}`,
		`{"model":{"name":"x"},"max_tokens":1024}`,
		`{"model":["a","b"]}`,
	}
	models := []string{
		"gpt-4o-mini",
		"",
		`quote"and\backslash`,
		"line\nbreak\ttab",
		"unicode é 🙂 \u2028\u2029",
		"control \x00\x01\x07\x0b\x1f\x7f",
		"<html>&amp;",
	}
	for _, body := range bodies {
		for _, model := range models {
			f, err := wire.Peek([]byte(body))
			if err != nil {
				t.Fatalf("Peek(%q): %v", body, err)
			}
			in := []byte(body)
			orig := bytes.Clone(in)
			out := wire.SetModel(in, f, model)
			if !bytes.Equal(in, orig) {
				t.Fatalf("SetModel modified its input %q", body)
			}
			checkSetModel(t, in, out, model)
		}
	}
}

func TestSetModelKeepsBytes(t *testing.T) {
	// Only the value's bytes change; formatting and member order stay.
	body := "{\n  \"messages\": [],\n  \"model\": \"old\",\n  \"stream\": true\n}"
	f, err := wire.Peek([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	got := string(wire.SetModel([]byte(body), f, "new-model"))
	want := strings.Replace(body, `"old"`, `"new-model"`, 1)
	if got != want {
		t.Errorf("SetModel = %q, want %q", got, want)
	}
}

func TestSetModelInvalidUTF8(t *testing.T) {
	// An invalid model name still gives valid JSON.
	body := []byte(`{"model":"a","messages":[]}`)
	f, err := wire.Peek(body)
	if err != nil {
		t.Fatal(err)
	}
	out := wire.SetModel(body, f, "bad\xffutf8")
	if !json.Valid(out) {
		t.Fatalf("SetModel result is not valid JSON: %q", out)
	}
}

// request2K is a realistic 2 KB chat request.
var request2K = []byte(`{
  "model": "gpt-4o-mini",
  "messages": [
    {"role": "system", "content": "You are a helpful assistant that answers questions about the weather. Keep answers short and cite the tool output when you use it. Never invent a forecast."},
    {"role": "user", "content": "What's the weather like in Paris today, and should I take an umbrella? I'm walking from the Louvre to the Eiffel Tower around 3pm."},
    {"role": "assistant", "content": null, "tool_calls": [{"id": "call_DdmO9pD3xa9XTPNJ32zg2hcA", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\": \"Paris, FR\", \"unit\": \"celsius\"}"}}]},
    {"role": "tool", "tool_call_id": "call_DdmO9pD3xa9XTPNJ32zg2hcA", "content": "{\"temperature\": 14, \"conditions\": \"light rain\", \"precipitation_probability\": 0.7, \"wind_kph\": 18}"},
    {"role": "user", "content": "Thanks. And tomorrow morning? Also give me the answer as JSON with the fields \"summary\" and \"umbrella\"."}
  ],
  "tools": [
    {"type": "function", "function": {"name": "get_weather", "description": "Get the current weather for a location.", "parameters": {"type": "object", "properties": {"location": {"type": "string", "description": "City and country, e.g. Paris, FR"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["location"], "additionalProperties": false}, "strict": true}},
    {"type": "function", "function": {"name": "get_forecast", "description": "Get the forecast for a location and a day.", "parameters": {"type": "object", "properties": {"location": {"type": "string"}, "day": {"type": "string", "description": "ISO date"}}, "required": ["location", "day"], "additionalProperties": false}, "strict": true}}
  ],
  "tool_choice": "auto",
  "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "strict": true, "schema": {"type": "object", "properties": {"summary": {"type": "string"}, "umbrella": {"type": "boolean"}}, "required": ["summary", "umbrella"], "additionalProperties": false}}},
  "temperature": 0.2,
  "max_completion_tokens": 512,
  "stream": true,
  "stream_options": {"include_usage": true}
}`)

func TestPeekRequest2K(t *testing.T) {
	f, err := wire.Peek(request2K)
	if err != nil {
		t.Fatal(err)
	}
	want := wire.Fields{Model: "gpt-4o-mini", Stream: true, HasMessages: true, HasTools: true, HasSchema: true}
	if !sameFields(f, want) {
		t.Errorf("Peek = %+v, want %+v", exported(f), want)
	}
	if len(request2K) < 1800 || len(request2K) > 2600 {
		t.Errorf("request is %d bytes, want about 2 KB", len(request2K))
	}
}

func TestPeekAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("coverage instrumentation and the race detector allocate")
	}
	// Peek allocates at most the model string.
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := wire.Peek(request2K); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 {
		t.Errorf("Peek: %v allocations, want at most 1", allocs)
	}
}

func BenchmarkPeek(b *testing.B) {
	b.SetBytes(int64(len(request2K)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wire.Peek(request2K); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPeekScan is Scan, the unvalidated read of a trusted body that
// the engine does per request.
func BenchmarkPeekScan(b *testing.B) {
	b.SetBytes(int64(len(request2K)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wire.Scan(request2K); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSetModel(b *testing.B) {
	f, err := wire.Peek(request2K)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(request2K)))
	b.ReportAllocs()
	for b.Loop() {
		_ = wire.SetModel(request2K, f, "gpt-4.1-mini-2025-04-14")
	}
}

func ExampleSetModel() {
	body := []byte(`{"model":"fast","messages":[{"role":"user","content":"hi"}]}`)
	f, err := wire.Peek(body)
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Model)
	fmt.Printf("%s\n", wire.SetModel(body, f, "gpt-4o-mini"))
	// Output:
	// fast
	// {"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}
}

// An Anthropic request that asks for structured output through the beta
// output_format member carries a schema: validation must read the body.
func TestPeekOutputFormatHasSchema(t *testing.T) {
	body := `{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[],"output_format":{"type":"json_schema","schema":{"type":"object"}}}`
	for name, peek := range map[string]func([]byte) (wire.Fields, error){"Peek": wire.Peek, "Scan": wire.Scan} {
		f, err := peek([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if !f.HasSchema {
			t.Errorf("%s: HasSchema = false for a request with output_format", name)
		}
	}
}

package wire_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
)

var fuzzBodies = []string{
	`{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi","model":"nested"}],"tools":[{"type":"function"}]}`,
	`{"messages":[],"model":"claude-sonnet-4-5","output_config":{"format":{"type":"json_schema","schema":{}}}}`,
	`{"mod\u0065l":"a\"b\u00e9","response_format":{"type":"json_object"}}`,
	`{"model":null}`,
	`{"model":1,"model":"dup"}`,
	`{"response_format":{},"output_config":null}`,
	" {\n\t\"model\" : \"m\" , \"tools\" : [ ] }\r\n",
	`{}`,
	`[]`,
	`"model"`,
	`{"model":"x"`,
}

// decodeMembers decodes a JSON object the way a provider's decoder sees it:
// escaped keys unescaped, the last duplicate winning.
func decodeMembers(b []byte) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil || m == nil {
		return nil, false
	}
	return m, true
}

func FuzzPeek(f *testing.F) {
	for _, b := range fuzzBodies {
		f.Add([]byte(b))
	}
	f.Add(request2K)
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := wire.Peek(body)
		if !json.Valid(body) {
			if !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("invalid JSON: err = %v, want ErrMalformed", err)
			}
			return
		}
		m, isObject := decodeMembers(body)
		if !isObject {
			if !errors.Is(err, wire.ErrNotObject) {
				t.Fatalf("valid non-object: err = %v, want ErrNotObject", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("valid object: %v", err)
		}
		// Peek agrees with a full decode on every field.
		var model string
		_ = json.Unmarshal(m["model"], &model)
		var stream bool
		_ = json.Unmarshal(m["stream"], &stream)
		var messages, tools []json.RawMessage
		hasMessages := json.Unmarshal(m["messages"], &messages) == nil && len(messages) > 0
		hasTools := json.Unmarshal(m["tools"], &tools) == nil && len(tools) > 0
		isObj := func(v json.RawMessage) bool {
			var o map[string]json.RawMessage
			return json.Unmarshal(v, &o) == nil && o != nil
		}
		hasSchema := isObj(m["response_format"]) || isObj(m["output_config"])
		want := wire.Fields{Model: model, Stream: stream, HasMessages: hasMessages, HasTools: hasTools, HasSchema: hasSchema}
		if utf8.Valid(body) && !sameFields(got, want) {
			t.Fatalf("Peek = %+v, full decode %+v", exported(got), want)
		}
	})
}

func FuzzSetModel(f *testing.F) {
	for _, b := range fuzzBodies {
		f.Add([]byte(b), "gpt-4o-mini")
		f.Add([]byte(b), "q\"\\\n\x00\u2028é🙂")
	}
	f.Add(request2K, "claude-sonnet-4-5")
	f.Fuzz(func(t *testing.T, body []byte, model string) {
		fields, err := wire.Peek(body)
		if err != nil {
			return
		}
		orig := bytes.Clone(body)
		out := wire.SetModel(body, fields, model)
		if !bytes.Equal(body, orig) {
			t.Fatal("SetModel modified its input")
		}
		if !json.Valid(out) {
			t.Fatalf("SetModel(%q, %q) = %q: not valid JSON", body, model, out)
		}
		if !utf8.Valid(body) || !utf8.ValidString(model) {
			return // invalid UTF-8 is replaced by the decoder: values differ
		}
		checkSetModel(t, body, out, model)

		// Appending into the spare capacity after the body, as the engine
		// does, leaves the body alone and gives the same bytes.
		buf := make([]byte, len(body), 2*len(body)+len(model))
		copy(buf, body)
		in := buf[:len(body):len(body)]
		if got := wire.AppendSetModel(buf[len(body):len(body)], in, fields, model); !bytes.Equal(got, out) {
			t.Fatalf("AppendSetModel = %q, SetModel = %q", got, out)
		}
		if !bytes.Equal(in, orig) {
			t.Fatal("AppendSetModel modified the body before its destination")
		}
	})
}

// FuzzEventKind feeds arbitrary events to EventKind and the Accumulator of
// both dialects: they must not panic, whatever the data.
func FuzzEventKind(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.sse"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		r := sse.NewReader(bytes.NewReader(b), 0)
		for {
			e, err := r.Next()
			if err != nil {
				break
			}
			f.Add(string(e.Name), bytes.Clone(e.Data))
		}
	}
	f.Add("", []byte(`{"type"`))
	f.Add("", []byte(`{"choices":[{"delta"`))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		e := sse.Event{Name: []byte(name), Data: data}
		for _, d := range []wire.Dialect{wire.OpenAI, wire.Anthropic} {
			k := wire.EventKind(d, e)
			if k > wire.KindDone {
				t.Fatalf("%v: unknown kind %d", d, k)
			}
			a := wire.NewAccumulator(d)
			a.Add(e)
			a.Add(e)
			o := a.Output()
			for _, c := range o.ToolCalls {
				if len(c.Arguments) == 0 {
					t.Fatalf("%v: tool call without arguments", d)
				}
			}
		}
	})
}

// FuzzScan feeds arbitrary bytes to Scan, which does not validate: it must
// never panic, and on valid JSON it must agree with Peek.
func FuzzScan(f *testing.F) {
	f.Add([]byte(`{"model":"m","stream":true,"messages":[]}`))
	f.Add([]byte(`{"model":"m","tools":[{}],"response_format":{}}`))
	f.Add([]byte(`{"model":`))
	f.Add([]byte(`{"a" "b"}`))
	f.Add([]byte(`{"mod\u0065l":1,`))
	f.Fuzz(func(t *testing.T, body []byte) {
		s, serr := wire.Scan(body)
		if !json.Valid(body) {
			return
		}
		p, perr := wire.Peek(body)
		if (serr == nil) != (perr == nil) {
			t.Fatalf("Scan error %v, Peek error %v", serr, perr)
		}
		if serr == nil && (s.Stream != p.Stream || s.HasMessages != p.HasMessages || s.HasTools != p.HasTools || s.HasSchema != p.HasSchema) {
			t.Fatalf("Scan %+v, Peek %+v", s, p)
		}
	})
}

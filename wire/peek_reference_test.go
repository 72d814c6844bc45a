package wire

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/internal/jsonscan"
)

// peekReference is Peek in two passes: the whole body checked with
// encoding/json's Valid, then the top-level members read by skipping
// values. Peek must give the same Fields and the same error on every input.
func peekReference(body []byte) (Fields, error) {
	var f Fields
	if !json.Valid(body) {
		return f, ErrMalformed
	}
	i := jsonscan.SkipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return f, ErrNotObject
	}
	i++
	for {
		i = jsonscan.SkipSpace(body, i)
		if i < len(body) && body[i] == '}' {
			return f, nil
		}
		if i < len(body) && body[i] == ',' {
			i = jsonscan.SkipSpace(body, i+1)
		}
		ks := i
		if ks >= len(body) || body[ks] != '"' {
			return f, ErrMalformed
		}
		ke := jsonscan.SkipValue(body, i)
		if ke-ks < 2 {
			return f, ErrMalformed
		}
		key := body[ks+1 : ke-1]
		i = jsonscan.SkipSpace(body, ke)
		if i >= len(body) || body[i] != ':' {
			return f, ErrMalformed
		}
		i = jsonscan.SkipSpace(body, i+1)
		vs := i
		ve := jsonscan.SkipValue(body, i)
		if ve <= vs {
			return f, ErrMalformed
		}
		v := body[vs:ve]
		if bytes.IndexByte(key, '\\') >= 0 {
			k, err := unquote(body[ks:ke])
			if err != nil {
				return f, ErrMalformed
			}
			key = []byte(k)
		}
		switch string(key) {
		case "model":
			f.Model = ""
			f.modelStart, f.modelEnd = vs, ve
			if v[0] == '"' {
				s, err := unquote(v)
				if err != nil {
					return f, ErrMalformed
				}
				f.Model = s
			}
		case "stream":
			f.Stream = string(v) == "true"
		case "messages":
			f.HasMessages = v[0] == '['
		case "tools":
			f.HasTools = v[0] == '[' && jsonscan.NonEmpty(v)
		case "response_format":
			f.responseFormat = v[0] == '{'
		case "output_config":
			f.outputConfig = v[0] == '{'
		case "output_format":
			f.outputFormat = v[0] == '{'
		}
		f.HasSchema = f.responseFormat || f.outputConfig || f.outputFormat
		i = ve
	}
}

// nested returns a member value n containers deep, objects and arrays
// alternating, around the number 1.
func nested(n int) string {
	var open, shut strings.Builder
	for d := range n {
		if d%2 == 0 {
			open.WriteString(`[`)
		} else {
			open.WriteString(`{"k":`)
		}
	}
	for d := n - 1; d >= 0; d-- {
		if d%2 == 0 {
			shut.WriteString(`]`)
		} else {
			shut.WriteString(`}`)
		}
	}
	return open.String() + "1" + shut.String()
}

var referenceSeeds = []string{
	`{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}],"tools":[{}]}`,
	`{"mod\u0065l":"a\"b\u00e9","resp\u006fnse_format":{},"output_format":{"type":"json_schema"}}`,
	`{"model":"a","model":1,"stream":true,"stream":false,"tools":[1],"tools":[]}`,
	" \t{ \"model\" :\r\n\"m\" , \"x\" : [ ] }\n ",
	`{}`, ` { } `, `[1]`, `"x"`, `1`, `null`, ` true `, `[]`, ``, ` `,
	`{"model":"m"`, `{"model":`, `{"model"`, `{"mo`, `{`, `{"a":1,`, `{"a":1,}`, `{,"a":1}`, `{"a" 1}`,
	`{"a":1 "b":2}`, `{"a":1}}`, `{"a":1} x`, `{"a":1}{}`, `{"a":1},`, `{"a":01}`, `{"a":[1,]}`,
	`{1:2}`, `{"a":tru}`, `{"a":true1}`, `{"a":"\x"}`, "{\"a\":\"\x01\"}", "{\"a\x01\":1}",
	"{\"model\":\"\xff\xfe\"}", "{\"mod\\u0065l\":\"\xc3\"}", "\xef\xbb\xbf{}", "{\"a\":1}\x00",
	`{"model":123456789012345678901234567890e999999,"n":-0.0e-0}`, `{"n":1e}`, `{"n":-}`,
	`{"model":"\ud800"}`, `{"\ud83d\ude00":1}`, `{"a\"":1,"model\\":2}`,
	`{"a":` + nested(9998) + `}`, `{"a":` + nested(9999) + `}`, `{"a":` + nested(10000) + `}`,
	nested(10000), nested(10001), `{"a":` + nested(9999)[:9000],
}

// FuzzPeekReference: Peek, which validates as it reads, gives the Fields
// and the error of validating first and reading after.
func FuzzPeekReference(f *testing.F) {
	for _, s := range referenceSeeds {
		f.Add([]byte(s))
	}
	f.Add(request2KReference())
	f.Fuzz(func(t *testing.T, body []byte) {
		wantF, wantErr := peekReference(body)
		gotF, gotErr := Peek(body)
		if gotF != wantF || gotErr != wantErr {
			t.Fatalf("Peek(%q) = %+v, %v; reference %+v, %v", body, gotF, gotErr, wantF, wantErr)
		}
	})
}

// request2KReference is a chat request of the size the benchmarks read.
func request2KReference() []byte {
	return []byte(`{"model":"gpt-4o","stream":true,"messages":[{"role":"system","content":"` +
		strings.Repeat(`Answer briefly. Quote \"sources\".\n`, 40) +
		`"},{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{}}}],"response_format":{"type":"json_object"}}`)
}

func TestPeekReferenceDepth(t *testing.T) {
	for _, tc := range []struct {
		body string
		err  error
	}{
		{`{"a":` + nested(9999) + `}`, nil},
		{`{"a":` + nested(10000) + `}`, ErrMalformed},
		{nested(10000), ErrNotObject},
		{nested(10001), ErrMalformed},
		{`[1]`, ErrNotObject},
		{`[1`, ErrMalformed},
		{`{"a":1}x`, ErrMalformed},
		{`{"a":1,}`, ErrMalformed},
	} {
		if _, err := Peek([]byte(tc.body)); err != tc.err {
			t.Errorf("Peek(%.40q…) error %v, want %v", tc.body, err, tc.err)
		}
	}
}

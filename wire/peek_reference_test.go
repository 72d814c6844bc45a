package wire_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// peekReference is Peek in two passes: the whole body checked with
// encoding/json's Valid, then the top-level members read without a check.
// Peek must give the same Fields and the same error on every input.
func peekReference(body []byte) (wire.Fields, error) {
	if !json.Valid(body) {
		return wire.Fields{}, wire.ErrMalformed
	}
	return wire.ReadUnvalidated(body)
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
	f.Add(request2K)
	f.Fuzz(func(t *testing.T, body []byte) {
		wantF, wantErr := peekReference(body)
		gotF, gotErr := wire.Peek(body)
		if gotF != wantF || gotErr != wantErr {
			t.Fatalf("Peek(%q) = %+v, %v; reference %+v, %v", body, gotF, gotErr, wantF, wantErr)
		}
	})
}

func TestPeekReferenceDepth(t *testing.T) {
	for _, tc := range []struct {
		body string
		err  error
	}{
		{`{"a":` + nested(9999) + `}`, nil},
		{`{"a":` + nested(10000) + `}`, wire.ErrMalformed},
		{nested(10000), wire.ErrNotObject},
		{nested(10001), wire.ErrMalformed},
		{`[1]`, wire.ErrNotObject},
		{`[1`, wire.ErrMalformed},
		{`{"a":1}x`, wire.ErrMalformed},
		{`{"a":1,}`, wire.ErrMalformed},
	} {
		if _, err := wire.Peek([]byte(tc.body)); err != tc.err {
			t.Errorf("Peek(%.40q…) error %v, want %v", tc.body, err, tc.err)
		}
	}
}

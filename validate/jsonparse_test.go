package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// stdDecode decodes b as encoding/json does with UseNumber.
func stdDecode(b []byte) (any, error) {
	if !json.Valid(b) {
		return nil, errors.New("invalid JSON")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

func TestParseJSONMatchesEncodingJSON(t *testing.T) {
	docs := []string{
		`{}`, `[]`, `0`, `-0.5e+10`, `"x"`, `true`, `false`, `null`, ` {"a" : [1, 2.5, "three", null, {"b": false}]} `,
		`"\u00e9\n\t\"\\\/\b\f\r"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ude00x"`, `"\ud83d\u0041"`,
		"\"caf\xc3\xa9\"", "\"bad \xff byte\"", `{"a":1,"a":2}`, `[[[[]]]]`, `1E3`, `12.0`,
	}
	for _, d := range docs {
		want, err := stdDecode([]byte(d))
		if err != nil {
			t.Fatalf("%s: encoding/json: %v", d, err)
		}
		got, err := parseJSON([]byte(d))
		if err != nil {
			t.Errorf("parseJSON(%s): %v", d, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("parseJSON(%s) = %#v, want %#v", d, got, want)
		}
		if err := checkJSON([]byte(d)); err != nil {
			t.Errorf("checkJSON(%s): %v", d, err)
		}
	}
}

func TestParseJSONErrors(t *testing.T) {
	tests := []struct {
		in  string
		eof bool
	}{
		{`{"a": 1`, true},
		{`{"a": "unterminated`, true},
		{`[1, 2,`, true},
		{`{"a"`, true},
		{`tru`, true},
		{`-`, true},
		{`"\u12`, true},
		{`{"a": 1,}`, false},
		{`[1 2]`, false},
		{`{a: 1}`, false},
		{`01`, false},
		{`1.`, true},
		{`1.e3`, false},
		{`"tab	in string"`, false},
		{`"\x"`, false},
		{`{} {}`, false},
		{`nul!`, false},
		{`'single'`, false},
	}
	for _, tt := range tests {
		_, err := parseJSON([]byte(tt.in))
		var se *syntaxError
		if !errors.As(err, &se) {
			t.Errorf("parseJSON(%q) = %v, want a syntax error", tt.in, err)
			continue
		}
		if se.eof != tt.eof {
			t.Errorf("parseJSON(%q): eof = %v, want %v (%v)", tt.in, se.eof, tt.eof, err)
		}
		if checkJSON([]byte(tt.in)) == nil {
			t.Errorf("checkJSON(%q) accepted it", tt.in)
		}
	}
}

func TestParseJSONDepthLimit(t *testing.T) {
	deep := bytes.Repeat([]byte("["), maxDepth+1)
	if err := checkJSON(deep); err == nil || errors.As(err, new(*syntaxError)) && err.(*syntaxError).eof {
		t.Fatalf("checkJSON(too deep) = %v, want a depth error", err)
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"\ud83d\ude00"`, `-1.5e-3`, `[1,`, "\"\xff\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want, wantErr := stdDecode(b)
		got, err := parseJSON(b)
		if (err == nil) != (wantErr == nil) || (checkJSON(b) == nil) != (wantErr == nil) {
			t.Fatalf("%q: parseJSON err %v, encoding/json err %v", b, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: parseJSON = %#v, encoding/json = %#v", b, got, want)
		}
		if json.Valid(b) {
			if end, err := skipJSON(b, wsEnd(b, 0)); err != nil || wsEnd(b, end) != len(b) {
				t.Fatalf("%q: skipJSON = %d, %v", b, end, err)
			}
		}
	})
}

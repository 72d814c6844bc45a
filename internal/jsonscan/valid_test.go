package jsonscan

import (
	"encoding/json"
	"strings"
	"testing"
)

var validSeeds = []string{
	`{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi \"there\" \u00e9\/"}],"tools":[]}`,
	" [ 0 , -0 , 1.5 , -2.5e3 , 1E+2 , 3e-0 , true , false , null , \"\" , { } , [ ] ] \r\n\t",
	`{"a":{"b":[{"c":null}]},"d":"\b\f\n\r\t\\\"\/"}`,
	"\"\xff\xfe bytes that are not UTF-8 \xed\xa0\x80\"",
	`"\u12aB"`, `"\u12g4"`, `"\u12"`, `"\x"`, "\"\x1f\"", "\"\x7f\"",
	`01`, `-`, `-a`, `1.`, `.5`, `1e`, `1e+`, `+1`, `0x1`, `1.5.3`, `00`, `-01`,
	`tru`, `truex`, `nul`, `nulll`, `[1,]`, `[,1]`, `{"a":1,}`, `{,"a":1}`, `{"a" 1}`, `{"a":}`, `{1:2}`,
	`[}`, `{]`, `[1 2]`, `{"a":1 "b":2}`, `[[]`, `[]]`, `{} {}`, `{}x`,
	``, ` `, "\xef\xbb\xbf{}", "\v{}", `"abc`, `"abc\`, `"abc\"`,
}

// FuzzValid: Valid gives encoding/json's answer on any input.
func FuzzValid(f *testing.F) {
	for _, s := range validSeeds {
		f.Add([]byte(s))
	}
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := Valid(b), json.Valid(b); got != want {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", b, got, want)
		}
		// Where ValidValue says a value ends, what comes before is valid.
		if e := ValidValue(b, 0, 0); e >= 0 && !json.Valid(b[:e]) {
			t.Fatalf("ValidValue(%q, 0, 0) = %d, but %q is not valid", b, e, b[:e])
		}
	})
}

func TestValidValue(t *testing.T) {
	for _, tc := range []struct {
		b        string
		i, depth int
		want     int
	}{
		{`{"a":[1,2]},`, 5, 1, 10},
		{`{"a": "s\\" }`, 5, 1, 11},
		{`{"a":1`, 5, 1, 6},
		{`{"a":1.`, 5, 1, -1},
		{`{"a":[1,]}`, 5, 1, -1},
		{`{"a":`, 5, 1, -1},
		{` true false`, 0, 0, 5},
		{`[] ]`, 0, 0, 2},
		{``, 0, 0, -1},
		{`[[]]`, 0, maxDepth - 2, 4},
		{`[[]]`, 0, maxDepth - 1, -1},
		{`"no containers"`, 0, maxDepth, 15},
	} {
		if got := ValidValue([]byte(tc.b), tc.i, tc.depth); got != tc.want {
			t.Errorf("ValidValue(%q, %d, %d) = %d, want %d", tc.b, tc.i, tc.depth, got, tc.want)
		}
	}
	// One container inside an object: the object counts toward the limit.
	deep := strings.Repeat("[", maxDepth-1) + strings.Repeat("]", maxDepth-1)
	if got := ValidValue([]byte(deep), 0, 1); got != len(deep) {
		t.Errorf("ValidValue of %d arrays at depth 1 = %d, want %d", maxDepth-1, got, len(deep))
	}
	if got := ValidValue([]byte("["+deep+"]"), 0, 1); got != -1 {
		t.Errorf("ValidValue of %d arrays at depth 1 = %d, want -1", maxDepth, got)
	}
}

func TestValid(t *testing.T) {
	for _, s := range validSeeds {
		if got, want := Valid([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("Valid(%q) = %v, encoding/json says %v", s, got, want)
		}
	}
	// Every prefix of a valid text, and the text with each byte replaced
	// by each byte that matters to the grammar.
	text := `{"id":"c","n":[0,-1.5e+3,true,false,null],"s":"a\"b\\c\u00e9\/","o":{"k":[{}]}}`
	for end := 0; end <= len(text); end++ {
		b := []byte(text[:end])
		if got, want := Valid(b), json.Valid(b); got != want {
			t.Errorf("Valid(%q) = %v, encoding/json says %v", b, got, want)
		}
	}
	for i := range len(text) {
		for _, c := range []byte(" \t\n\r\x00\x1f\"\\/{}[],:0123456789+-.eEabfnrtu\x7f\x80\xff") {
			b := []byte(text)
			b[i] = c
			if got, want := Valid(b), json.Valid(b); got != want {
				t.Errorf("Valid(%q) = %v, encoding/json says %v", b, got, want)
			}
		}
	}
}

// TestValidDepth: the nesting limit is encoding/json's, for objects,
// arrays and both mixed.
func TestValidDepth(t *testing.T) {
	for _, n := range []int{1, 63, 64, 65, 256, 257, maxDepth - 1, maxDepth, maxDepth + 1, 3 * maxDepth} {
		for _, open := range []string{"[", `{"a":`, `[{"a":`} {
			closing := map[string]string{"[": "]", `{"a":`: "}", `[{"a":`: "}]"}[open]
			reps := n
			if len(open) > 5 {
				reps = n / 2
			}
			b := []byte(strings.Repeat(open, reps) + "1" + strings.Repeat(closing, reps))
			if got, want := Valid(b), json.Valid(b); got != want {
				t.Errorf("%d × %q: Valid = %v, encoding/json says %v", reps, open, got, want)
			}
			if got := Valid(b[:len(b)-1]); got {
				t.Errorf("%d × %q, cut: Valid = true", reps, open)
			}
		}
	}
}

func TestValidAllocs(t *testing.T) {
	b := []byte(strings.Repeat("[", 200) + strings.Repeat("]", 200))
	if allocs := testing.AllocsPerRun(100, func() { Valid(b) }); allocs != 0 {
		t.Errorf("%v allocations, want 0", allocs)
	}
}

package jsonscan

import (
	"strings"
	"testing"
)

// referenceSkipValue and referenceSkipString are SkipValue and SkipString
// written plainly, a byte at a time, with one call per string as SkipValue
// was before its single loop. FuzzSkipReference holds the real ones to
// their results on every input and start.

func referenceSkipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return referenceSkipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = referenceSkipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	default:
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

func referenceSkipString(b []byte, i int) int {
	i++
	for i < len(b) {
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			i += 2
		default:
			i++
		}
	}
	return len(b)
}

// FuzzSkipReference: SkipValue and SkipString end every value where the
// plain scans above end it, from every start, valid input or not.
func FuzzSkipReference(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"a":"b\\","c":["\"}",{"d":"e\\\"f"}]}`))
	f.Add([]byte(`["0123456\\"89abcdef\"","x"]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkAgainstReference(t, b)
	})
}

// checkAgainstReference compares SkipValue and SkipString with the plain
// scans at every index of b and just past its end.
func checkAgainstReference(t *testing.T, b []byte) {
	t.Helper()
	for i := 0; i <= len(b)+1; i++ {
		if got, want := SkipValue(b, i), referenceSkipValue(b, i); got != want {
			t.Fatalf("SkipValue(%q, %d) = %d, want %d", b, i, got, want)
		}
		if i < len(b) {
			if got, want := SkipString(b, i), referenceSkipString(b, i); got != want {
				t.Fatalf("SkipString(%q, %d) = %d, want %d", b, i, got, want)
			}
		}
	}
}

// TestSkipReference: the word-at-a-time loop agrees with the plain scans
// where its cases meet: escapes and quotes on each side of a word's edge,
// brackets inside strings, input cut anywhere, unmatched brackets, and
// nesting deeper than any stack would allow.
func TestSkipReference(t *testing.T) {
	inputs := []string{
		`{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"}}],"usage":{"total_tokens":3}}`,
		" [ {\"a\" : [ [ ] , { } , \"]}\" ] } , -0.5e-3 , \"\\u2028\" ] ",
		`{"a":[1,2}},"b":3]`,
		`["}","]","{","[","\"","\\",'x']`,
		`}`, `]`, `,`, `"`, `\`, `{`, `[`, `x`, ` `,
		`{"k":tru"e"}`,
		`{"\\":"\\\\","\"":"\\\""}`,
	}
	for n := 0; n < 20; n++ {
		pad := strings.Repeat("a", n)
		inputs = append(inputs,
			`{"`+pad+`\"":"`+pad+`\\","x":[`+pad+`]}`,
			`["`+pad+`\`+`"]`,
			`[{"`+pad+`":"é\u00e9`+pad+`\\\\\"}"}]`,
		)
	}
	for _, in := range inputs {
		b := []byte(in)
		for end := 0; end <= len(b); end++ {
			checkAgainstReference(t, b[:end])
		}
	}

	deep := []byte(strings.Repeat(`[{"a":`, 100_000) + `"x"` + strings.Repeat(`}]`, 100_000))
	for _, i := range []int{0, 1, 2, len(deep) / 2} {
		if got, want := SkipValue(deep, i), referenceSkipValue(deep, i); got != want {
			t.Errorf("deep: SkipValue(_, %d) = %d, want %d", i, got, want)
		}
	}
	if got := SkipValue(deep[:len(deep)-1], 0); got != len(deep)-1 {
		t.Errorf("deep, cut: SkipValue = %d, want %d", got, len(deep)-1)
	}
}

// TestStructural: the table of SkipValue's loop marks exactly the quote
// and the four brackets.
func TestStructural(t *testing.T) {
	if len(structural) != 256 {
		t.Fatalf("structural has %d entries, want 256", len(structural))
	}
	for c := range 256 {
		want := byte('.')
		switch c {
		case '"':
			want = '"'
		case '{', '[':
			want = '{'
		case '}', ']':
			want = '}'
		}
		if structural[c] != want {
			t.Errorf("structural[%#x] = %q, want %q", c, structural[c], want)
		}
	}
}

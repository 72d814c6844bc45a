package jsonscan

import (
	"strings"
	"testing"
)

func TestSkipSpace(t *testing.T) {
	for _, tt := range []struct {
		in   string
		i    int
		want int
	}{
		{"", 0, 0},
		{" \t\r\n x", 0, 5},
		{"x ", 0, 0},
		{"x  ", 1, 3},
		{"\v1", 0, 0}, // vertical tab is not JSON whitespace
		{"  ", 5, 5},
	} {
		if got := SkipSpace([]byte(tt.in), tt.i); got != tt.want {
			t.Errorf("SkipSpace(%q, %d) = %d, want %d", tt.in, tt.i, got, tt.want)
		}
	}
}

// TestSkipValue: the end of each value is exact on valid JSON, whatever
// follows it.
func TestSkipValue(t *testing.T) {
	values := []string{
		`""`, `"a"`, `"a\"b"`, `"\\"`, `"\\\""`, `"é🙂\u00e9"`,
		`"a string longer than one machine word, with \"escapes\" in it \\"`,
		`"1234567"`, `"12345678"`, `"123456789"`, `"\\\\\\\\\\\\\\\\"`,
		`0`, `-1.5e+10`, `true`, `false`, `null`,
		`{}`, `[]`, `{"a":[1,{"b":"}]"}],"c":"{"}`, `[[[]],[{}],"]"]`,
		`{"k":"` + strings.Repeat("x", 40) + `\"` + strings.Repeat("y", 40) + `"}`,
	}
	for _, v := range values {
		for _, after := range []string{"", ",", "}", "]", " ", "\n,1"} {
			in := "  " + v + after
			if got := SkipValue([]byte(in), 2); got != 2+len(v) {
				t.Errorf("SkipValue(%q, 2) = %d, want %d", in, got, 2+len(v))
			}
		}
	}
}

// TestSkipMalformed: a value cut by the end of the input ends there; the
// scan never reports an index past the end.
func TestSkipMalformed(t *testing.T) {
	for _, tt := range []struct {
		in   string
		i    int
		want int
	}{
		{``, 0, 0},
		{`x`, 3, 3},
		{`"`, 0, 1},
		{`"abc`, 0, 4},
		{`"abc\`, 0, 5},
		{`"abcdefghijklmn\`, 0, 16},
		{`"abcdefghijklm\"`, 0, 16},
		{`{"a":"b`, 0, 7},
		{`[1,[2,`, 0, 6},
		{`{"a":"\`, 0, 7},
		{`]`, 0, 0},
		{`12`, 0, 2},
	} {
		if got := SkipValue([]byte(tt.in), tt.i); got != tt.want {
			t.Errorf("SkipValue(%q, %d) = %d, want %d", tt.in, tt.i, got, tt.want)
		}
	}
}

// TestSkipStringEveryOffset: the word-at-a-time scan finds the closing
// quote wherever it falls in a word, after any run of escapes.
func TestSkipStringEveryOffset(t *testing.T) {
	for n := 0; n < 40; n++ {
		for _, body := range []string{
			strings.Repeat("a", n),
			strings.Repeat(`\\`, n/2) + strings.Repeat("é", n%3),
			strings.Repeat("a", n) + `\"` + strings.Repeat("b", n%9),
			strings.Repeat("\x00\x7f\x80\xff", n%5) + strings.Repeat("z", n),
		} {
			in := `"` + body + `"` + `"tail"`
			if got, want := SkipString([]byte(in), 0), len(body)+2; got != want {
				t.Errorf("SkipString(%q, 0) = %d, want %d", in, got, want)
			}
		}
	}
}

func TestScanAllocs(t *testing.T) {
	b := []byte(`{"id":"x","choices":[{"delta":{"content":"hello \"world\""},"finish_reason":null}]}`)
	allocs := testing.AllocsPerRun(100, func() {
		_ = SkipValue(b, 0)
		_ = NonEmpty(Member(b, "id"))
		Elements(Member(b, "choices"), func(el []byte) bool {
			Members(el, func(k, v []byte) bool { return len(k) > 0 })
			return true
		})
	})
	if allocs != 0 {
		t.Errorf("%v allocations, want 0", allocs)
	}
}

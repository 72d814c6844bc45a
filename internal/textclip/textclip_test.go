package textclip

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCut(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{
		{"", 0, ""},
		{"short", 5, "short"},
		{"abcdefgh", 7, "abcd…"},
		{"abcdefgh", 3, "…"},
		{"abcdefgh", 1, "…"},
		{"ab€cd", 6, "ab…"},    // € is 3 bytes: it does not fit beside the mark
		{"ab€cdef", 8, "ab€…"}, // it does here
		{"€€€", 8, "€…"},
	} {
		if got := Cut(c.s, c.n); got != c.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}

// Whatever the input and bound, the result is s itself or a prefix of it
// at a rune boundary followed by the mark, within the bound when the bound
// leaves room for the mark.
func FuzzCut(f *testing.F) {
	f.Add("abcdefgh", 7)
	f.Add("ab€cd", 6)
	f.Add("€€€€€€", 10)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 1<<20 {
			return
		}
		got := Cut(s, n)
		if len(s) <= n {
			if got != s {
				t.Fatalf("Cut(%q, %d) = %q, want s unchanged", s, n, got)
			}
			return
		}
		head, ok := strings.CutSuffix(got, Mark)
		if !ok || !strings.HasPrefix(s, head) {
			t.Fatalf("Cut(%q, %d) = %q, want a prefix of s and the mark", s, n, got)
		}
		if n >= len(Mark) && len(got) > n {
			t.Fatalf("Cut(%q, %d) = %q: %d bytes", s, n, got, len(got))
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("Cut(%q, %d) = %q cuts a rune", s, n, got)
		}
	})
}

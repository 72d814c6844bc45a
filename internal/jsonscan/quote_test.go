package jsonscan

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestAppendString(t *testing.T) {
	for _, tt := range []struct {
		in        string
		minimal   string
		lineTerms string
	}{
		{"", `""`, `""`},
		{"plain <&> text", `"plain <&> text"`, `"plain <&> text"`},
		{"q\"b\\", `"q\"b\\"`, `"q\"b\\"`},
		{"\n\r\t\b\f\x00\x1f\x7f", `"\n\r\t\u0008\u000c\u0000\u001f` + "\x7f\"", `"\n\r\t\u0008\u000c\u0000\u001f` + "\x7f\""},
		{"é🙂", `"é🙂"`, `"é🙂"`},
		{"a\u2028b\u2029", "\"a\u2028b\u2029\"", `"a\u2028b\u2029"`},
		{"bad\xff\xc3", `"bad\ufffd\ufffd"`, `"bad\ufffd\ufffd"`},
		{"\xe2\x80", `"\ufffd\ufffd"`, `"\ufffd\ufffd"`}, // a cut U+2028
	} {
		if got := string(AppendString(nil, tt.in, Minimal)); got != tt.minimal {
			t.Errorf("AppendString(%q, Minimal) = %s, want %s", tt.in, got, tt.minimal)
		}
		if got := string(AppendString(nil, tt.in, LineTerminators)); got != tt.lineTerms {
			t.Errorf("AppendString(%q, LineTerminators) = %s, want %s", tt.in, got, tt.lineTerms)
		}
		if got := string(AppendString(nil, []byte(tt.in), LineTerminators)); got != tt.lineTerms {
			t.Errorf("AppendString([]byte(%q), LineTerminators) = %s, want %s", tt.in, got, tt.lineTerms)
		}
	}
}

func TestAppendEscaped(t *testing.T) {
	got := AppendEscaped([]byte(`{"a":"`), []byte("x\"y\n"), Minimal)
	if want := `{"a":"x\"y\n`; string(got) != want {
		t.Errorf("AppendEscaped = %s, want %s", got, want)
	}
}

// TestAppendStringLikeEncodingJSON: with LineTerminators the literal
// decodes to what encoding/json's literal decodes to, invalid UTF-8
// included.
func TestAppendStringLikeEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "a\"\\/<>&", "\x00\x01\x1f", "\u2028\u2029\ufeff", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ok é"} {
		checkLikeEncodingJSON(t, s)
	}
}

func checkLikeEncodingJSON(t *testing.T, s string) {
	t.Helper()
	for _, esc := range []Escape{Minimal, LineTerminators} {
		got := AppendString([]byte("x"), s, esc)
		if got[0] != 'x' {
			t.Fatal("AppendString overwrote dst")
		}
		var back string
		if err := json.Unmarshal(got[1:], &back); err != nil {
			t.Fatalf("AppendString(%q, %d) = %s: %v", s, esc, got[1:], err)
		}
		want, _ := json.Marshal(s)
		var wantBack string
		if err := json.Unmarshal(want, &wantBack); err != nil {
			t.Fatal(err)
		}
		if back != wantBack {
			t.Fatalf("AppendString(%q, %d) decodes to %q, encoding/json's literal to %q", s, esc, back, wantBack)
		}
	}
}

func TestAppendStringAllocs(t *testing.T) {
	dst := make([]byte, 0, 256)
	b := []byte("bytes \xff with é\u2028")
	allocs := testing.AllocsPerRun(100, func() {
		dst = AppendString(dst[:0], "a \"quoted\" message\nwith é, \u2028 and \x01", LineTerminators)
		dst = AppendString(dst, b, Minimal)
	})
	if allocs != 0 {
		t.Errorf("%v allocations, want 0", allocs)
	}
}

// TestRuneLen: runeLen accepts exactly the sequences utf8.DecodeRune
// decodes, at every first and second byte and at the edges of the
// continuation range (80–BF) for the others: only the second byte has
// narrower ranges (after E0, ED, F0 and F4).
func TestRuneLen(t *testing.T) {
	edges := []byte{0x00, 0x7f, 0x80, 0xbf, 0xc0, 0xff}
	for c0 := 0x80; c0 <= 0xff; c0++ {
		for c1 := 0; c1 <= 0xff; c1++ {
			for _, c2 := range edges {
				for _, c3 := range edges {
					for n := 1; n <= 4; n++ {
						b := []byte{byte(c0), byte(c1), c2, c3}[:n]
						r, size := utf8.DecodeRune(b)
						want := size
						if r == utf8.RuneError && size == 1 {
							want = 0
						}
						if got := runeLen(b, 0); got != want {
							t.Fatalf("runeLen(% x) = %d, want %d", b, got, want)
						}
						if got := runeLen(string(b), 0); got != want {
							t.Fatalf("runeLen(%q) = %d, want %d", b, got, want)
						}
					}
				}
			}
		}
	}
}

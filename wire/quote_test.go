package wire

import (
	"encoding/json"
	"testing"
)

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"\`, "\n\r\t\b\f", "\x00\x1f\x7f", "é🙂\u2028\u2029", "bad\xff\xc3", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString([]byte("x"), s)
		if got[0] != 'x' {
			t.Fatal("appendString overwrote dst")
		}
		var back string
		if err := json.Unmarshal(got[1:], &back); err != nil {
			t.Fatalf("appendString(%q) = %s: %v", s, got[1:], err)
		}
		// encoding/json decodes to the same string, invalid UTF-8 included.
		want, _ := json.Marshal(s)
		var wantBack string
		if err := json.Unmarshal(want, &wantBack); err != nil {
			t.Fatal(err)
		}
		if back != wantBack {
			t.Fatalf("appendString(%q) decodes to %q, encoding/json to %q", s, back, wantBack)
		}
	})
}

func TestAppendStringAllocs(t *testing.T) {
	dst := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		dst = appendString(dst[:0], "a \"quoted\" message\nwith é and \x01")
	})
	if allocs != 0 {
		t.Errorf("%v allocations, want 0", allocs)
	}
}

package jsonscan

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	`{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi \"there\""}],"tools":[]}`,
	`{"choices":[{"index":0,"delta":{"content":"é🙂\u2028"},"finish_reason":null}],"usage":null}`,
	` [ 1 , -2.5e3 , true , false , null , "s\\" , { } , [ ] ] `,
	`{"a":1,"a":2,"mod\u0065l":"m"}`,
	`{"choices":[{"delta"`,
	`{"a":"\`,
	`"a string longer than a word\\\\"`,
	`[}`,
	``,
}

// FuzzScan: on any input the readers stay in bounds and make progress; on
// valid JSON they find exactly the members and elements encoding/json
// finds.
func FuzzScan(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for i := 0; i <= len(b)+1; i++ {
			if e := SkipValue(b, i); e < i || e > max(i, len(b)) || (i < len(b) && e == i && !isDelim(b[i])) {
				t.Fatalf("SkipValue(%q, %d) = %d", b, i, e)
			}
			if i < len(b) {
				if e := SkipString(b, i); e <= i || e > len(b) {
					t.Fatalf("SkipString(%q, %d) = %d", b, i, e)
				}
			}
		}
		NonEmpty(b)
		Member(b, "model")
		Members(b, func(k, v []byte) bool { inside(t, b, k); inside(t, b, v); return true })
		Elements(b, func(el []byte) bool { inside(t, b, el); return true })
		if json.Valid(b) {
			if e := SkipSpace(b, SkipValue(b, SkipSpace(b, 0))); e != len(b) {
				t.Fatalf("SkipValue of valid %q ends at %d", b, e)
			}
			checkMembers(t, b)
			checkElements(t, b)
		}
	})
}

func isDelim(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// inside fails unless sub is a subslice of b.
func inside(t *testing.T, b, sub []byte) {
	t.Helper()
	off := cap(b) - cap(sub)
	if len(sub) > 0 && (off < 0 || off+len(sub) > len(b) || &b[:cap(b)][off] != &sub[0]) {
		t.Fatalf("%q is not a subslice of %q", sub, b)
	}
}

// checkMembers compares Members and Member with a token-by-token decode of
// the valid JSON text b.
func checkMembers(t *testing.T, b []byte) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		Members(b, func(k, v []byte) bool { t.Fatalf("Members of %q found %q", b, k); return false })
		return
	}
	var keys []string
	var vals []json.RawMessage
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		keys, vals = append(keys, tok.(string)), append(vals, v)
	}
	n, seen := 0, map[string]bool{}
	Members(b, func(k, v []byte) bool {
		if n >= len(keys) {
			t.Fatalf("Members of %q: extra member %q", b, k)
		}
		var key string
		if err := json.Unmarshal(append(append([]byte{'"'}, k...), '"'), &key); err != nil || key != keys[n] {
			t.Fatalf("Members of %q: name %d is %q, want %q", b, n, k, keys[n])
		}
		if !bytes.Equal(v, vals[n]) {
			t.Fatalf("Members of %q: value %d is %q, want %q", b, n, v, vals[n])
		}
		if first := Member(b, string(k)); !seen[string(k)] && (len(first) != len(v) || &first[0] != &v[0]) {
			t.Fatalf("Member(%q, %q) = %q, want the first such member %q", b, k, first, v)
		}
		seen[string(k)] = true
		n++
		return true
	})
	if n != len(keys) {
		t.Fatalf("Members of %q found %d members, want %d", b, n, len(keys))
	}
}

// checkElements compares Elements with encoding/json's decode of the valid
// JSON text b.
func checkElements(t *testing.T, b []byte) {
	var want []json.RawMessage
	if json.Unmarshal(b, &want) != nil {
		Elements(b, func(el []byte) bool { t.Fatalf("Elements of %q found %q", b, el); return false })
		return
	}
	n := 0
	Elements(b, func(el []byte) bool {
		if n >= len(want) || !bytes.Equal(el, bytes.TrimSpace(want[n])) {
			t.Fatalf("Elements of %q: element %d is %q", b, n, el)
		}
		n++
		return true
	})
	if n != len(want) {
		t.Fatalf("Elements of %q found %d elements, want %d", b, n, len(want))
	}
}

// FuzzAppendString: any string, valid UTF-8 or not, becomes a JSON literal
// that decodes as encoding/json's does, and stays unchanged when it needs
// no escape.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"\`, "\n\r\t\b\f", "\x00\x1f\x7f", "é🙂\u2028\u2029", "bad\xff\xc3", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkLikeEncodingJSON(t, s)
		for _, esc := range []Escape{Minimal, LineTerminators} {
			want := referenceString(s, esc)
			if got := AppendString(nil, s, esc); string(got) != want {
				t.Fatalf("AppendString(%q, %d) = %s, want %s", s, esc, got, want)
			}
			if got := AppendString(nil, []byte(s), esc); string(got) != want {
				t.Fatalf("AppendString([]byte(%q), %d) = %s, want %s", s, esc, got, want)
			}
		}
	})
}

// referenceString is AppendString written plainly with the utf8 package.
func referenceString(s string, esc Escape) string {
	var b []byte
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', s[i])
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r < 0x20:
			b = append(b, `\u00`...)
			b = append(b, hexDigits[r>>4], hexDigits[r&0xf])
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case (r == '\u2028' || r == '\u2029') && esc == LineTerminators:
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return `"` + string(b) + `"`
}

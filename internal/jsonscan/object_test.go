package jsonscan

import (
	"reflect"
	"testing"
)

func TestMember(t *testing.T) {
	obj := ` { "a" : 1 , "b":"x,}" ,"c":{"a":2},"d":[1,2], "a":3, "e\"":true, "mod\u0065l":"m" } `
	for _, tt := range []struct {
		key, want string
		found     bool
	}{
		{"a", "1", true}, // the first of repeated names
		{"b", `"x,}"`, true},
		{"c", `{"a":2}`, true},
		{"d", "[1,2]", true},
		{`e\"`, "true", true}, // names as written
		{"model", "", false},  // not unescaped
		{"z", "", false},
	} {
		got := Member([]byte(obj), tt.key)
		if string(got) != tt.want || (got != nil) != tt.found {
			t.Errorf("Member(%q) = %q, want %q (found %v)", tt.key, got, tt.want, tt.found)
		}
	}
	for _, in := range []string{``, `[]`, `"a"`, `{`, `{"a"`, `{"a":`, `{1:2}`, `{"a":1`, `nul`} {
		if got := Member([]byte(in), "a"); got != nil && in != `{"a":1` {
			t.Errorf("Member(%q, a) = %q, want nil", in, got)
		}
	}
	if got := Member([]byte(`{"a":1`), "a"); string(got) != "1" {
		t.Errorf("Member of a cut object = %q, want the complete member before the cut", got)
	}
	// A name that is not a string, or a missing value, ends the scan.
	for _, tt := range []struct{ in, key string }{
		{`{tru :2}`, "r"},
		{`{12 :3}`, ""},
		{`{"a":,"b":1}`, "a"},
		{`{"a":,"b":1}`, "b"},
	} {
		if got := Member([]byte(tt.in), tt.key); got != nil {
			t.Errorf("Member(%q, %q) = %q, want nil", tt.in, tt.key, got)
		}
	}
}

func TestMembers(t *testing.T) {
	var got []string
	Members([]byte(`{"a":1, "b" : [ 2 ] ,"c\n":"3"}`), func(k, v []byte) bool {
		got = append(got, string(k), string(v))
		return true
	})
	if want := []string{"a", "1", "b", "[ 2 ]", `c\n`, `"3"`}; !reflect.DeepEqual(got, want) {
		t.Errorf("Members = %q, want %q", got, want)
	}
	n := 0
	Members([]byte(`{"a":1,"b":2,"c":3}`), func(k, v []byte) bool { n++; return n < 2 })
	if n != 2 {
		t.Errorf("Members went on after fn returned false: %d calls", n)
	}
	for _, in := range []string{`[{"a":1}]`, `{"a":,"b":1}`, `{tru :2}`, `{"a"}`} {
		Members([]byte(in), func(k, v []byte) bool {
			t.Errorf("Members(%q) called fn with %q, %q", in, k, v)
			return true
		})
	}
}

func TestElements(t *testing.T) {
	var got []string
	Elements([]byte(` [1, "a,]", {"b":[2]} ,[], null ] `), func(el []byte) bool {
		got = append(got, string(el))
		return true
	})
	if want := []string{"1", `"a,]"`, `{"b":[2]}`, "[]", "null"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Elements = %q, want %q", got, want)
	}
	n := 0
	Elements([]byte(`[1,2,3]`), func([]byte) bool { n++; return false })
	if n != 1 {
		t.Errorf("Elements went on after fn returned false: %d calls", n)
	}
	for _, in := range []string{``, `{}`, `[`, `[1,`, `"[1]"`} {
		Elements([]byte(in), func(el []byte) bool {
			if in != `[1,` || string(el) != "1" {
				t.Errorf("Elements(%q) called fn with %q", in, el)
			}
			return true
		})
	}
}

func TestNonEmpty(t *testing.T) {
	for in, want := range map[string]bool{
		``: false, `null`: false, `false`: false, `""`: false, `[]`: false, `{}`: false,
		`[ ]`: false, "{\n}": false, `"a"`: true, `0`: true, `true`: true, `[0]`: true,
		`{"a":1}`: true, `[`: false,
	} {
		if got := NonEmpty([]byte(in)); got != want {
			t.Errorf("NonEmpty(%q) = %v, want %v", in, got, want)
		}
	}
}

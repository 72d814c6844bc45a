package classify_test

import (
	"testing"

	"github.com/lifelinehq/lifeline/classify"
)

func TestClassNames(t *testing.T) {
	want := []string{"ok", "invalid", "wait", "exhausted", "overloaded", "transient", "rejected",
		"too_large", "auth", "not_found", "broken_stream"}
	if len(classify.All) != len(want) {
		t.Fatalf("%d classes, want %d", len(classify.All), len(want))
	}
	for i, c := range classify.All {
		if c.String() != want[i] {
			t.Errorf("class %d is %q, want %q", i, c, want[i])
		}
		got, err := classify.Parse(c.String())
		if err != nil || got != c {
			t.Errorf("Parse(%q) = %v, %v; want %v", c.String(), got, err, c)
		}
		text, err := c.MarshalText()
		if err != nil || string(text) != want[i] {
			t.Errorf("MarshalText(%v) = %q, %v", c, text, err)
		}
	}
	if _, err := classify.Parse("Transient"); err == nil {
		t.Error(`Parse("Transient") succeeded; names are lower case`)
	}
	if s := classify.Class(0).String(); s != "class(0)" {
		t.Errorf("Class(0) = %q", s)
	}
}

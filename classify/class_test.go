package classify_test

import (
	"testing"

	"github.com/lifelinehq/lifeline/classify"
)

func TestClassNames(t *testing.T) {
	want := []string{"ok", "invalid", "wait", "exhausted", "overloaded", "transient", "rejected",
		"too_large", "auth", "not_found", "broken_stream"}
	all := classify.All()
	if len(all) != len(want) {
		t.Fatalf("%d classes, want %d", len(all), len(want))
	}
	for i, c := range all {
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
	_, err := classify.Parse("Transient")
	if err == nil {
		t.Fatal(`Parse("Transient") succeeded; names are lower case`)
	}
	if want := `classify: unknown class "Transient" (want ok, invalid, wait, exhausted, overloaded, transient, rejected, too_large, auth, not_found or broken_stream)`; err.Error() != want {
		t.Errorf("Parse error %q, want %q", err, want)
	}
	if s := classify.Class(0).String(); s != "class(0)" {
		t.Errorf("Class(0) = %q", s)
	}
}

// All hands out a copy: a caller that changes what it got changes neither
// the next call's answer nor what Parse accepts.
func TestAllIsACopy(t *testing.T) {
	all := classify.All()
	for i := range all {
		all[i] = classify.Rejected
	}
	_ = append(all[:0], classify.OK)
	again := classify.All()
	if again[0] != classify.OK || again[len(again)-1] != classify.BrokenStream {
		t.Fatalf("All() after a caller changed its slice = %v", again)
	}
	if c, err := classify.Parse("transient"); err != nil || c != classify.Transient {
		t.Fatalf(`Parse("transient") = %v, %v after a caller changed All's slice`, c, err)
	}
	if _, err := classify.Parse(""); err == nil {
		t.Error(`Parse("") succeeded`)
	}
}

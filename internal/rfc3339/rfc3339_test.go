package rfc3339_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/internal/rfc3339"
)

func TestParse(t *testing.T) {
	minus7 := time.FixedZone("", -7*3600)
	for _, tc := range []struct {
		in   string
		want time.Time // zero: malformed
	}{
		{"2026-08-21T12:00:30Z", time.Date(2026, 8, 21, 12, 0, 30, 0, time.UTC)},
		{"2026-08-21T12:00:30.25+02:00", time.Date(2026, 8, 21, 10, 0, 30, 250e6, time.UTC)},
		{"2026-08-21t12:00:30z", time.Date(2026, 8, 21, 12, 0, 30, 0, time.UTC)},
		{"2026-08-21t12:00:30.5-07:00", time.Date(2026, 8, 21, 12, 0, 30, 500e6, minus7)},
		{"2016-12-31T23:59:60Z", time.Date(2016, 12, 31, 23, 59, 59, 999999999, time.UTC)},
		{"2016-12-31t23:59:60.999z", time.Date(2016, 12, 31, 23, 59, 59, 999999999, time.UTC)},
		{"2016-12-31T15:59:60-08:00", time.Date(2016, 12, 31, 23, 59, 59, 999999999, time.UTC)},
		{"2016-12-31T23:59:60+01:00", time.Time{}}, // 22:59:60 UTC
		{"2016-12-31T12:00:60Z", time.Time{}},
		{"2016-12-31T23:59:61Z", time.Time{}},
		{"2016-12-31T23:60:00Z", time.Time{}},
		{"2016-12-31 23:59:59Z", time.Time{}},
		{"2016-12-31T23:59:59", time.Time{}},
		{"2016-12-31x23:59:59Z", time.Time{}},
		{"tomorrow", time.Time{}},
		{"", time.Time{}},
	} {
		got, ok := rfc3339.Parse(tc.in)
		if ok != !tc.want.IsZero() || !got.Equal(tc.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { rfc3339.Parse("2026-08-21T12:00:30.25+02:00") }); n != 0 {
		t.Errorf("Parse allocates %v times for a timestamp time.Parse takes", n)
	}
}

// FuzzParse checks Parse against time.Parse: the same result wherever
// time.Parse takes the input, and otherwise only what RFC 3339 adds.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"2026-08-21T12:00:30Z", "2026-08-21t12:00:30.5z", "2016-12-31T23:59:60Z",
		"2016-12-31T15:59:60.1-08:00", "2016-12-31T12:00:60Z", "2016-12-31T23:59:60+01:00", "9999-12-31T23:59:60z", "junk"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := rfc3339.Parse(s)
		want, err := time.Parse(time.RFC3339Nano, s)
		if err == nil {
			if !ok || !got.Equal(want) {
				t.Fatalf("Parse(%q) = %v, %v; time.Parse = %v", s, got, ok, want)
			}
			return
		}
		if !ok {
			return
		}
		up := []byte(strings.ToUpper(s))
		if len(up) != len(s) {
			t.Fatalf("Parse(%q) took letters other than t and z", s)
		}
		if up[17] == '6' && up[18] == '0' {
			up[17], up[18] = '5', '9'
			if u := got.UTC(); u.Hour() != 23 || u.Minute() != 59 || u.Second() != 59 || u.Nanosecond() != 999999999 {
				t.Fatalf("Parse(%q) = %v, not the last instant of 23:59:59 UTC", s, got)
			}
		}
		base, err := time.Parse(time.RFC3339Nano, string(up))
		if err != nil || base.Unix() != got.Unix() {
			t.Fatalf("Parse(%q) = %v; upper case without a leap second: %v, %v", s, got, base, err)
		}
	})
}

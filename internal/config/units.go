package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written in configuration as a Go duration
// string: "500ms", "30s", "5m", "1h30m". A bare number is refused, because
// its unit would be a guess.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String returns the shortest Go duration string: "30s", "5m", "24h",
// "1m30s", "500ms".
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// MarshalText encodes the duration as its String form.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDuration parses a Go duration string such as "500ms" or "5m".
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, &problem{msg: "empty duration", fix: "write a Go duration such as 500ms, 30s or 5m"}
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil && s != "0" {
		return 0, &problem{
			msg: fmt.Sprintf("duration %q has no unit", s),
			fix: fmt.Sprintf("add a unit, e.g. %ss or %sms", s, s),
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, &problem{
			msg: fmt.Sprintf("invalid duration %q", s),
			fix: "write a Go duration such as 500ms, 30s, 5m or 1h30m",
		}
	}
	if v == 0 && strings.ContainsAny(s, "123456789") {
		// Less than a nanosecond would read as 0, which means the default.
		return 0, &problem{msg: fmt.Sprintf("duration %q is less than a nanosecond", s), fix: "write 0 for the default, or a duration such as 500ms"}
	}
	return Duration(v), nil
}

// Size is a byte count written with an optional unit: "1048576", "512KiB",
// "32MiB", "1GiB" (binary, also Ki/Mi/Gi) or "500KB", "32MB", "1GB"
// (decimal, also K/M/G). Units are case-insensitive; B is bytes.
type Size int64

// sizeUnit returns the multiplier of a lower-case size unit.
func sizeUnit(u string) (int64, bool) {
	switch u {
	case "", "b":
		return 1, true
	case "k", "kb":
		return 1000, true
	case "m", "mb":
		return 1000 * 1000, true
	case "g", "gb":
		return 1000 * 1000 * 1000, true
	case "ki", "kib":
		return 1 << 10, true
	case "mi", "mib":
		return 1 << 20, true
	case "gi", "gib":
		return 1 << 30, true
	}
	return 0, false
}

// ParseSize parses a byte count with an optional unit.
func ParseSize(s string) (Size, error) {
	bad := func() (Size, error) {
		return 0, &problem{
			msg: fmt.Sprintf("invalid size %q", s),
			fix: "write a byte count with an optional unit, e.g. 1048576, 512KiB, 32MiB or 32MB",
		}
	}
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult, ok := sizeUnit(unit)
	if num == "" || !ok {
		return bad()
	}
	if !strings.Contains(num, ".") {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n > math.MaxInt64/mult {
			return bad()
		}
		return Size(n * mult), nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f*float64(mult) >= math.MaxInt64 {
		return bad()
	}
	if f > 0 && f*float64(mult) < 1 {
		// Less than a byte would read as 0, which means the default.
		return 0, &problem{msg: fmt.Sprintf("size %q is less than one byte", s), fix: "write a size of at least 1 byte, e.g. 512KiB"}
	}
	return Size(f * float64(mult)), nil
}

// String returns the size with the largest binary unit that divides it
// exactly ("32MiB"), or a plain byte count.
func (z Size) String() string {
	for _, u := range []struct {
		name string
		n    int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if z != 0 && int64(z)%u.n == 0 {
			return strconv.FormatInt(int64(z)/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(z), 10)
}

// MarshalText encodes the size as its String form.
func (z Size) MarshalText() ([]byte, error) { return []byte(z.String()), nil }

// UnmarshalText parses a size with an optional unit.
func (z *Size) UnmarshalText(b []byte) error {
	v, err := ParseSize(string(b))
	if err != nil {
		return err
	}
	*z = v
	return nil
}

package config

import (
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Size
	}{
		{"1048576", 1 << 20}, {"32MiB", 32 << 20}, {"32MB", 32_000_000}, {"512KiB", 512 << 10},
		{"512kib", 512 << 10}, {"1GiB", 1 << 30}, {"1GB", 1e9}, {"100KB", 100_000}, {"64Ki", 64 << 10},
		{"2Mi", 2 << 20}, {"3M", 3e6}, {"10k", 10_000}, {"7B", 7}, {"32 MiB", 32 << 20}, {" 8MiB ", 8 << 20},
		{"1.5KiB", 1536}, {"0", 0},
	} {
		got, err := ParseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "MiB", "32XB", "-1", "1e6", "32 Mib extra", "9223372036854775807GiB", "1..5MB",
		"0.1", "0.5B", "0.0001KiB"} { // a fraction of a byte would read as 0, the default
		if got, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, got)
		}
	}
}

func TestSizeString(t *testing.T) {
	for z, want := range map[Size]string{32 << 20: "32MiB", 1 << 30: "1GiB", 512 << 10: "512KiB", 1000: "1000", 0: "0"} {
		if z.String() != want {
			t.Errorf("Size(%d).String() = %q, want %q", int64(z), z.String(), want)
		}
		back, err := ParseSize(z.String())
		if err != nil || back != z {
			t.Errorf("round trip of %d: %d, %v", int64(z), back, err)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"500ms", 500 * time.Millisecond}, {"30s", 30 * time.Second}, {"5m", 5 * time.Minute},
		{"1h30m", 90 * time.Minute}, {"24h", 24 * time.Hour}, {"0", 0}, {"0s", 0}, {"0ms", 0}, {"-1s", -time.Second},
	} {
		got, err := ParseDuration(tc.in)
		if err != nil || got.D() != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "30", "1.5", "5 minutes", "1d", "0.5ns", "0.1ns"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q): no error", in)
		}
	}
}

func TestDurationString(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Minute: "1m", 5 * time.Minute: "5m", 24 * time.Hour: "24h", 90 * time.Second: "1m30s",
		500 * time.Millisecond: "500ms", time.Hour + time.Second: "1h0m1s", 0: "0s",
	} {
		if got := Duration(d).String(); got != want {
			t.Errorf("Duration(%v).String() = %q, want %q", d, got, want)
		}
		if back, err := ParseDuration(Duration(d).String()); err != nil || back.D() != d {
			t.Errorf("round trip of %v: %v, %v", d, back, err)
		}
	}
}

func TestSizesAndDurationsInFile(t *testing.T) {
	c := mustParse(t, minimal+"limits: {max_body: 1048576}\nidempotency: {ttl: 90m}\nshutdown_grace: 1m30s\n")
	if c.Limits.MaxBody != 1<<20 || c.Idempotency.TTL.D() != 90*time.Minute || c.ShutdownGrace.D() != 90*time.Second {
		t.Errorf("got %v %v %v", c.Limits.MaxBody, c.Idempotency.TTL, c.ShutdownGrace)
	}
	c = mustParse(t, minimal+"limits: {max_body: 512KiB, max_in_flight: 2000}\n")
	if c.Limits.MaxBody != 512<<10 || c.Limits.MaxInFlight != 2000 {
		t.Errorf("max_body = %d, max_in_flight = %d", c.Limits.MaxBody, c.Limits.MaxInFlight)
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"32MiB", "1048576", "1.5KB", "9223372036854775807", "0.1B"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		z, err := ParseSize(in)
		if err != nil {
			return
		}
		if z < 0 {
			t.Errorf("ParseSize(%q) = %d < 0", in, z)
		}
		if back, err := ParseSize(z.String()); err != nil || back != z {
			t.Errorf("round trip of %q: %d -> %q -> %d, %v", in, z, z.String(), back, err)
		}
	})
}

package mock

import (
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The documented YAML shape loads into Config.
func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(exampleYAML))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Seed: 7, Name: "mock",
		Faults:     map[Fault]float64{Overloaded: 0.1, RateLimit: 0.05},
		Latency:    Range{20 * time.Millisecond, 80 * time.Millisecond},
		TTFT:       Range{200 * time.Millisecond, 200 * time.Millisecond},
		EventDelay: Range{5 * time.Millisecond, 5 * time.Millisecond},
		StallAfter: 3, ErrorAfter: 2, Hint: HintRetryAfter, HintAfter: time.Second, HangMax: time.Minute,
		Text: "Hello!", LedgerSize: 100000, ShouldRetry: "false",
		Outage:  Outage{After: 20 * time.Second, For: 8 * time.Second, Every: 40 * time.Second, Fault: Overloaded},
		Schemas: map[string]Schema{"json-model": Schema(`{"type":"object","required":["answer"],"properties":{"answer":{"type":"string"}}}`)},
	}
	if !maps.Equal(c.Faults, want.Faults) {
		t.Errorf("faults %v", c.Faults)
	}
	c.Faults, want.Faults = nil, nil
	if c.Now != nil {
		t.Error("Now set from YAML")
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("config\n got %+v\nwant %+v", c, want)
	}
}

// Mistakes in a config are reported, naming what is wrong.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"seed: 1\nlatnecy: 5ms\n", "latnecy"},
		{"faults: {gremlins: 0.1}\n", "gremlins"},
		{"faults: {overloaded: 0.7, auth: 0.5}\n", "more than 1"},
		{"faults: {overloaded: 1.5}\n", "[0, 1]"},
		{"latency: 80ms-20ms\n", "MIN-MAX"},
		{"hint: sometime\n", "hint format"},
		{"hang_max: soon\n", "soon"},
		{"stall_after: -1\n", "stall_after"},
		{"error_after: -1\n", "error_after"},
		{"hang_max: -5s\n", "hang_max"},
		{"hint_after: -1s\n", "hint_after"},
		{"ledger_size: -10\n", "ledger_size"},
	} {
		_, err := ParseConfig([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one mentioning %q", tc.yaml, err, tc.want)
		}
	}
	if _, err := New(Config{Faults: map[Fault]float64{Cut: 0.6, Empty: 0.6}}); err == nil {
		t.Error("New accepted probabilities adding up to 1.2")
	}
}

func TestParseFaults(t *testing.T) {
	mix, err := ParseFaults(" overloaded=0.1, rate_limit=0.05 ,")
	if err != nil || len(mix) != 2 || mix[Overloaded] != 0.1 || mix[RateLimit] != 0.05 {
		t.Errorf("%v %v", mix, err)
	}
	for _, bad := range []string{"overloaded", "overloaded=x", "nope=0.1", "cut=2"} {
		if _, err := ParseFaults(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRange(t *testing.T) {
	for in, want := range map[string]Range{
		"":          {},
		"50ms":      {50 * time.Millisecond, 50 * time.Millisecond},
		"20ms-80ms": {20 * time.Millisecond, 80 * time.Millisecond},
		" 1s - 2s ": {time.Second, 2 * time.Second},
	} {
		got, err := ParseRange(in)
		if err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
		if back, _ := ParseRange(got.String()); back != got {
			t.Errorf("%q does not round-trip through %q", in, got.String())
		}
	}
	for _, bad := range []string{"-5ms", "soon", "1s-x"} {
		if _, err := ParseRange(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	r := Range{10 * time.Millisecond, 20 * time.Millisecond}
	if r.draw(0) != r.Min || r.draw(0.5) != 15*time.Millisecond {
		t.Errorf("draw: %v %v", r.draw(0), r.draw(0.5))
	}
}

func TestParseFault(t *testing.T) {
	if f, err := ParseFault(" Rate_Limit "); err != nil || f != RateLimit {
		t.Errorf("%v %v", f, err)
	}
	if f, err := ParseFault(""); err != nil || f != None {
		t.Errorf("empty: %v %v", f, err)
	}
	if _, err := ParseFault("gremlins"); err == nil || !strings.Contains(err.Error(), "stream_error_before") {
		t.Errorf("unknown fault error %v should list the known ones", err)
	}
	if len(Faults()) != numFaults || Faults()[0] != None {
		t.Errorf("Faults() = %v", Faults())
	}
}

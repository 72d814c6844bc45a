package mock

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// Config configures a mock provider. The zero value is a clean, fast mock
// that never injects a fault; zero fields take the defaults named below,
// and a negative count, duration or size is an error of New.
type Config struct {
	// Seed makes a run reproducible: the n-th request's fault, delays and
	// ids are a pure function of Seed and n.
	Seed uint64 `yaml:"seed"`
	// Name is mixed into response and request ids so that several mocks
	// running with the same seed do not hand out the same ids. Default "mock".
	Name string `yaml:"name"`
	// Faults is the fault mix: fault name → probability in [0, 1]. The
	// probabilities must not add up to more than 1; the rest is None.
	Faults map[Fault]float64 `yaml:"faults"`
	// Latency is added before the response headers: "50ms" or a range
	// "20ms-80ms" (each request draws its own value).
	Latency Range `yaml:"latency"`
	// TTFT is the delay before the first content event of a stream. A
	// non-streaming response waits Latency + TTFT before its headers.
	TTFT Range `yaml:"ttft"`
	// EventDelay is the delay between two stream events.
	EventDelay Range `yaml:"event_delay"`
	// StallAfter is the number of events a stall fault sends first. Default 3.
	StallAfter int `yaml:"stall_after"`
	// ErrorAfter is the number of content events stream_error_after sends
	// before the error event. Default 2.
	ErrorAfter int `yaml:"error_after"`
	// CutAfter is the number of events cut sends; 0 sends every event but
	// the terminal one.
	CutAfter int `yaml:"cut_after"`
	// Hint is the wait-hint format of rate_limit: retry-after (seconds,
	// default), retry-after-ms, http-date (retry-after as an HTTP-date),
	// reset (only the provider's reset headers: Anthropic RFC 3339
	// timestamps, OpenAI durations) or none.
	Hint HintFormat `yaml:"hint"`
	// HintAfter is the wait the rate-limit hint asks for. Default 1s.
	HintAfter time.Duration `yaml:"hint_after"`
	// HangMax bounds hang and stall: after it the connection is dropped.
	// Default 60s.
	HangMax time.Duration `yaml:"hang_max"`
	// Text is the text answer. Default: a short fixed sentence.
	Text string `yaml:"text"`
	// LedgerSize is the number of most recent responses the ledger keeps
	// (counters are exact regardless). Default 100000.
	LedgerSize int `yaml:"ledger_size"`
	// Outage is a recurring outage window: for its length, every request
	// fails with its fault. The zero value is none.
	Outage Outage `yaml:"outage"`
	// Schemas maps a model name to a JSON schema. A request for that model
	// that asks for plain text or for any JSON object (no tools, no schema
	// of its own) is answered as if it had asked for structured output
	// under the schema: JSON generated from it, which the not_json and
	// bad_schema faults break. It stands in for a model tuned to answer in
	// one format, such as the targets of a route that validates answers
	// against a schema.
	Schemas map[string]Schema `yaml:"schemas"`
	// ShouldRetry, "true" or "false", is sent as the x-should-retry header
	// on every response that is not a clean answer (an error status, a
	// broken stream, an invalid output). The request header
	// X-Mock-Should-Retry overrides it. Default: no such header.
	ShouldRetry string `yaml:"should_retry"`
	// Now is the clock used for reset timestamps and created fields.
	// Default time.Now.
	Now func() time.Time `yaml:"-"`
}

// Defaults: the listen address of Command, and the values zero Config fields take.
const (
	DefaultListen     = "127.0.0.1:9090"
	DefaultStallAfter = 3
	DefaultErrorAfter = 2
	DefaultHintAfter  = time.Second
	DefaultHangMax    = 60 * time.Second
	DefaultLedgerSize = 100000
	DefaultText       = "Hello! This is a response from the lifeline mock provider. It answers every request the same way."
)

// withDefaults returns c with zero fields set to their defaults, or an error
// naming the first invalid field.
func (c Config) withDefaults() (Config, error) {
	if c.Name == "" {
		c.Name = "mock"
	}
	for _, v := range [...]struct {
		key      string
		negative bool
	}{
		{"stall_after", c.StallAfter < 0}, {"error_after", c.ErrorAfter < 0}, {"cut_after", c.CutAfter < 0},
		{"hint_after", c.HintAfter < 0}, {"hang_max", c.HangMax < 0}, {"ledger_size", c.LedgerSize < 0},
	} {
		if v.negative {
			return c, fmt.Errorf("mock: %s must not be negative (0 takes the default)", v.key)
		}
	}
	if c.StallAfter <= 0 {
		c.StallAfter = DefaultStallAfter
	}
	if c.ErrorAfter <= 0 {
		c.ErrorAfter = DefaultErrorAfter
	}
	if c.Hint == "" {
		c.Hint = HintRetryAfter
	}
	if !c.Hint.valid() {
		return c, fmt.Errorf("mock: unknown hint format %q (want %s)", c.Hint, hintNames)
	}
	if c.HintAfter <= 0 {
		c.HintAfter = DefaultHintAfter
	}
	if c.HangMax <= 0 {
		c.HangMax = DefaultHangMax
	}
	if c.Text == "" {
		c.Text = DefaultText
	}
	if c.LedgerSize <= 0 {
		c.LedgerSize = DefaultLedgerSize
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	var err error
	if c.Outage, err = c.Outage.withDefaults(); err != nil {
		return c, err
	}
	if err := checkSchemas(c.Schemas); err != nil {
		return c, err
	}
	if _, ok := shouldRetryValue(c.ShouldRetry); !ok && c.ShouldRetry != "" {
		return c, fmt.Errorf("mock: should_retry is %q, want true or false", c.ShouldRetry)
	}
	sum := 0.0
	for f, p := range c.Faults {
		if !f.Valid() {
			return c, fmt.Errorf("mock: unknown fault %q in the fault mix (known: %s)", f, faultNames())
		}
		if p < 0 || p > 1 || p != p {
			return c, fmt.Errorf("mock: probability of %s is %v, want a number in [0, 1]", f, p)
		}
		sum += p
	}
	if sum > 1+1e-9 {
		return c, fmt.Errorf("mock: fault probabilities add up to %v, more than 1", sum)
	}
	for _, r := range []Range{c.Latency, c.TTFT, c.EventDelay} {
		if r.Min < 0 || r.Max < r.Min {
			return c, fmt.Errorf("mock: invalid delay range %s", r)
		}
	}
	return c, nil
}

// LoadConfig reads a YAML config file. Unknown keys are an error.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	return ParseConfig(data)
}

// ParseConfig parses a YAML config document. Unknown keys are an error.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	if err := yaml.UnmarshalWithOptions(data, &c, yaml.DisallowUnknownField()); err != nil {
		return Config{}, fmt.Errorf("mock config: %w", err)
	}
	if _, err := c.withDefaults(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// ParseFaults parses a fault mix written as "overloaded=0.1,rate_limit=0.05".
func ParseFaults(s string) (map[Fault]float64, error) {
	mix := map[Fault]float64{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("fault mix entry %q: want name=probability", part)
		}
		f, err := ParseFault(name)
		if err != nil {
			return nil, err
		}
		p, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || p < 0 || p > 1 {
			return nil, fmt.Errorf("fault mix entry %q: probability must be a number in [0, 1]", part)
		}
		mix[f] += p
	}
	return mix, nil
}

// HintFormat is how a rate_limit fault tells the client how long to wait.
type HintFormat string

// The hint formats.
const (
	HintRetryAfter   HintFormat = "retry-after"    // retry-after: <seconds>
	HintRetryAfterMS HintFormat = "retry-after-ms" // retry-after-ms: <milliseconds>
	HintHTTPDate     HintFormat = "http-date"      // retry-after: <IMF-fixdate>
	HintReset        HintFormat = "reset"          // only the provider's *-reset headers
	HintNone         HintFormat = "none"           // no hint at all
)

const hintNames = "retry-after, retry-after-ms, http-date, reset, none"

func (h HintFormat) valid() bool {
	switch h {
	case HintRetryAfter, HintRetryAfterMS, HintHTTPDate, HintReset, HintNone:
		return true
	}
	return false
}

// Range is a delay: fixed ("50ms") or drawn uniformly per request from a
// range ("20ms-80ms"). The zero Range is no delay.
type Range struct {
	Min, Max time.Duration
}

// ParseRange parses "50ms" or "20ms-80ms". The empty string is no delay.
func ParseRange(s string) (Range, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return Range{}, nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	min, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil {
		return Range{}, fmt.Errorf("delay %q: %w", s, err)
	}
	max := min
	if isRange {
		if max, err = time.ParseDuration(strings.TrimSpace(hi)); err != nil {
			return Range{}, fmt.Errorf("delay %q: %w", s, err)
		}
	}
	if min < 0 || max < min {
		return Range{}, fmt.Errorf("delay %q: want MIN-MAX with 0 <= MIN <= MAX", s)
	}
	return Range{Min: min, Max: max}, nil
}

// String formats the range as ParseRange reads it.
func (r Range) String() string {
	if r.Min == r.Max {
		return r.Min.String()
	}
	return r.Min.String() + "-" + r.Max.String()
}

// MarshalText encodes the range as ParseRange reads it.
func (r Range) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText decodes "50ms" or "20ms-80ms".
func (r *Range) UnmarshalText(b []byte) error {
	v, err := ParseRange(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// Set implements flag.Value.
func (r *Range) Set(s string) error { return r.UnmarshalText([]byte(s)) }

// draw returns the delay for a uniform value u in [0, 1).
func (r Range) draw(u float64) time.Duration {
	if r.Max <= r.Min {
		return r.Min
	}
	return r.Min + time.Duration(u*float64(r.Max-r.Min))
}

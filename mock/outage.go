package mock

import (
	"fmt"
	"strings"
	"time"
)

// Outage is a recurring window during which the mock fails every request
// with one fault, as a provider does during an incident. The windows are
// on the server's clock (Config.Now), counted from New: the first opens
// After and lasts For; another opens every Every (0: only the first).
// During a window, every request that does not force its own fault with
// X-Mock-Fault gets Fault. The zero Outage (For 0) is no outage.
type Outage struct {
	// After is when the first window opens, from the server's creation.
	After time.Duration `yaml:"after"`
	// For is the length of each window.
	For time.Duration `yaml:"for"`
	// Every is the period of the windows; it must be longer than For.
	// 0: a single window.
	Every time.Duration `yaml:"every"`
	// Fault is what each request gets during a window. Default overloaded.
	Fault Fault `yaml:"fault"`
}

// enabled reports whether o has windows at all.
func (o Outage) enabled() bool { return o.For > 0 }

// active reports whether a window is open at elapsed since the server's
// creation.
func (o Outage) active(elapsed time.Duration) bool {
	if !o.enabled() || elapsed < o.After {
		return false
	}
	in := elapsed - o.After
	if o.Every > 0 {
		in %= o.Every
	}
	return in < o.For
}

// withDefaults validates o and fills in the default fault.
func (o Outage) withDefaults() (Outage, error) {
	if !o.enabled() {
		if o.For < 0 {
			return o, fmt.Errorf("mock: outage for %v must not be negative", o.For)
		}
		return Outage{}, nil
	}
	switch {
	case o.After < 0 || o.Every < 0:
		return o, fmt.Errorf("mock: outage after %v and every %v must not be negative", o.After, o.Every)
	case o.Every > 0 && o.For >= o.Every:
		return o, fmt.Errorf("mock: outage for %v must be shorter than every %v", o.For, o.Every)
	}
	if o.Fault == "" {
		o.Fault = Overloaded
	}
	if !o.Fault.Valid() || o.Fault == None {
		return o, fmt.Errorf("mock: unknown outage fault %q (known: %s)", o.Fault, faultNames())
	}
	return o, nil
}

// String formats the outage as Set reads it; "none" for no outage.
func (o Outage) String() string {
	if !o.enabled() {
		return "none"
	}
	s := "for=" + o.For.String()
	if o.Every > 0 {
		s += ",every=" + o.Every.String()
	}
	if o.After > 0 {
		s += ",after=" + o.After.String()
	}
	if o.Fault != "" {
		s += ",fault=" + string(o.Fault)
	}
	return s
}

// Set parses "for=8s,every=40s,after=20s,fault=overloaded" (every, after
// and fault optional; "none" or "" for no outage). It implements
// flag.Value.
func (o *Outage) Set(s string) error {
	var v Outage
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		*o = v
		return nil
	}
	for part := range strings.SplitSeq(s, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("outage %q: want key=value pairs (for, every, after, fault)", s)
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if key == "fault" {
			f, err := ParseFault(val)
			if err != nil {
				return fmt.Errorf("outage: %w", err)
			}
			v.Fault = f
			continue
		}
		d, err := time.ParseDuration(val)
		if err != nil {
			return fmt.Errorf("outage %s: %w", key, err)
		}
		switch key {
		case "for":
			v.For = d
		case "every":
			v.Every = d
		case "after":
			v.After = d
		default:
			return fmt.Errorf("outage: unknown key %q (want for, every, after, fault)", key)
		}
	}
	if !v.enabled() {
		return fmt.Errorf("outage %q: for must be a positive duration", s)
	}
	if _, err := v.withDefaults(); err != nil {
		return err
	}
	*o = v
	return nil
}

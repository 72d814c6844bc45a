package backoff

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lifelinehq/lifeline/internal/rfc3339"
)

// This file holds every parser of the hint formats, so that one fuzz
// target covers them: retry-after-ms, retry-after, the RFC 3339 resets of
// Anthropic (internal/rfc3339, fuzzed there too) and the duration resets
// of OpenAI.

// providerNow is the time a response's absolute resets count from: the
// provider's clock as its Date header shows it, when now disagrees with
// it, else now. Date has whole seconds and is written before the response
// travels, so a replica whose clock agrees with the provider's reads now
// in [Date, Date+1s), give or take the trip: there, now is the finer
// clock. Before Date, or a second or more after it, the clocks differ,
// and Date is what the provider's resets were written against (a wait
// counted from Date is at most about a second longer than asked, never
// shorter). A missing or malformed Date leaves now.
func providerNow(h http.Header, now time.Time) time.Time {
	vs := h["Date"]
	if len(vs) == 0 {
		return now
	}
	date, err := http.ParseTime(strings.TrimSpace(vs[0]))
	if err != nil || !now.Before(date) && now.Before(date.Add(time.Second)) {
		return now
	}
	return date
}

// until parses the limit's reset into an absolute time on now's clock, not
// before now. ref is the provider's now (see providerNow): a time-of-day
// reset counts from it.
func (l limit) until(now, ref time.Time) (time.Time, bool) {
	v := strings.TrimSpace(l.reset)
	var w time.Duration
	if l.d == anthropic {
		t, ok := rfc3339.Parse(v)
		if !ok {
			return time.Time{}, false
		}
		w = t.Sub(ref)
	} else {
		d, ok := duration(v)
		if !ok {
			return time.Time{}, false
		}
		w = d
	}
	if w > MaxHint {
		return time.Time{}, false
	}
	return now.Add(max(w, 0)), true
}

// spent reports whether the limit's remaining count is 0 or less.
func (l limit) spent() bool {
	n, ok := number(l.remaining)
	return ok && n <= 0
}

// retryAfter parses a Retry-After value: seconds (integer or fractional)
// or an HTTP-date in any form net/http.ParseTime accepts, which counts
// from now, the provider's (see providerNow).
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if c := v[0] | 0x20; c >= 'a' && c <= 'z' { // every HTTP-date starts with a day name
		t, err := http.ParseTime(v)
		if err != nil {
			return 0, false
		}
		w := t.Sub(now)
		if w > MaxHint {
			return 0, false
		}
		return max(w, 0), true
	}
	s, ok := number(v)
	if !ok {
		return 0, false
	}
	return fromNanos(s * float64(time.Second))
}

// duration parses an OpenAI reset value: a Go duration ("6m0s", "20ms")
// or a bare number of seconds.
func duration(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if c := v[len(v)-1]; c >= '0' && c <= '9' || c == '.' {
		s, ok := number(v)
		if !ok {
			return 0, false
		}
		return fromNanos(s * float64(time.Second))
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, false
	}
	return d, true
}

// fromNanos turns a float count of nanoseconds into a wait: NaN, infinite
// and over-MaxHint values are rejected, negative ones become zero.
func fromNanos(ns float64) (time.Duration, bool) {
	if math.IsNaN(ns) || math.IsInf(ns, 0) || ns > float64(MaxHint) {
		return 0, false
	}
	if ns <= 0 {
		return 0, true
	}
	return time.Duration(math.Round(ns)), true
}

// number parses a plain decimal number, optionally signed, with an optional
// fraction and exponent ("30", "1.5", "-2", "1e3"). Unlike
// strconv.ParseFloat alone it rejects hex, underscores, "inf" and "nan",
// and it does not allocate on the way to rejecting them.
func number(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			exp++
		}
		if exp == 0 {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

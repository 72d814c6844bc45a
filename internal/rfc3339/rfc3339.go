// Package rfc3339 parses RFC 3339 timestamps as the RFC allows them, for
// the headers that carry one: a client's X-Lifeline-Deadline and
// Anthropic's rate-limit resets.
package rfc3339

import "time"

// Parse parses s as an RFC 3339 date-time. It takes what
// time.Parse(time.RFC3339Nano, s) takes, with the same result, and also
// what the RFC allows and time.Parse refuses:
//
//   - a lowercase "t" or "z" (RFC 3339 §5.6);
//   - a leap second, 23:59:60 in UTC at any offset (§5.6, §5.7), read as
//     the last instant of 23:59:59: a time.Time cannot hold the 61st
//     second, and this is the latest time it can name before the next day,
//     so that a deadline or a reset there is neither early nor a second
//     late. A second 60 at any other time of day is malformed.
//
// A timestamp time.Parse takes costs no allocation.
func Parse(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	return parseAllowed(s)
}

// parseAllowed is Parse for a timestamp time.Parse refused.
func parseAllowed(s string) (time.Time, bool) {
	// "2006-01-02T15:04:05Z" is the shortest RFC 3339 date-time.
	if len(s) < len("2006-01-02T15:04:05Z") {
		return time.Time{}, false
	}
	b := []byte(s)
	for i, c := range b {
		if c == 't' || c == 'z' { // the only letters RFC 3339 has
			b[i] = c - 'a' + 'A'
		}
	}
	leap := b[17] == '6' && b[18] == '0' // the seconds of "2006-01-02T15:04:05"
	if leap {
		b[17] = '5'
		b[18] = '9'
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return time.Time{}, false
	}
	if leap {
		if u := t.UTC(); u.Hour() != 23 || u.Minute() != 59 {
			return time.Time{}, false
		}
		t = t.Add(time.Second - 1 - time.Duration(t.Nanosecond()))
	}
	return t, true
}

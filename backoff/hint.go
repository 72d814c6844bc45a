package backoff

import (
	"net/http"
	"strings"
	"time"
)

// Hint is a provider's instruction about when to come back.
type Hint struct {
	// Wait is how long to wait from now.
	Wait time.Duration
	// Source names the header the hint came from (e.g. "retry-after-ms").
	Source string
}

// MaxHint is the longest wait a header may ask for. Longer values (and
// NaN or infinite ones) are taken to be garbage and ignored like any other
// malformed value.
const MaxHint = 365 * 24 * time.Hour

// Header names as Source reports them.
const (
	srcRetryAfterMs = "retry-after-ms"
	srcRetryAfter   = "retry-after"
)

// RetryHint reads the wait a response asks for, most specific first:
// retry-after-ms; retry-after (delay-seconds, fractional seconds or an
// HTTP-date); the Anthropic anthropic-ratelimit-{requests,tokens,
// input-tokens,output-tokens}-reset timestamps (RFC 3339); the OpenAI
// x-ratelimit-reset-{requests,tokens} durations ("1s", "6m0s", "20ms").
// For the reset families it takes the reset of the limit whose -remaining
// is 0, else the latest reset. Malformed values are ignored; negative waits
// become zero. It reports false when no hint is present.
//
// Header names match case-insensitively. A malformed or absurd value (over
// MaxHint, NaN, infinite) is skipped and the next source is tried. The
// reset families read every limit of the form anthropic-ratelimit-NAME-reset
// and x-ratelimit-reset-NAME, so limits a provider adds later count too; a
// bare number in an OpenAI reset header means seconds. If several spent
// limits are present, the latest of their resets wins, since a request
// needs all of them.
//
// A reset given as a time of day (an HTTP-date, an RFC 3339 timestamp) is
// on the provider's clock: it counts from the response's Date header when
// now is before it or a second or more after it (Date has whole seconds),
// so that a replica whose clock differs from the provider's waits as long
// as the provider asked.
func RetryHint(h http.Header, now time.Time) (Hint, bool) {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, ok := number(v); ok {
			if w, ok := fromNanos(ms * float64(time.Millisecond)); ok {
				return Hint{Wait: w, Source: srcRetryAfterMs}, true
			}
		}
	}
	ref := providerNow(h, now)
	if v := h.Get("Retry-After"); v != "" {
		if w, ok := retryAfter(v, ref); ok {
			return Hint{Wait: w, Source: srcRetryAfter}, true
		}
	}
	var buf [8]limit
	ls := scan(h, buf[:0])
	for _, d := range [...]dialect{anthropic, openai} {
		if l, until, ok := pick(ls, d, now, ref, false); ok {
			return Hint{Wait: until.Sub(now), Source: sourceName(l.resetKey)}, true
		}
	}
	return Hint{}, false
}

// Spent reads the rate-limit headers of a response (any status) and reports
// whether some limit has -remaining 0, and when it resets. Rate-limit
// pacing uses it to route around a target before a 429 arrives.
//
// Both dialects count: anthropic-ratelimit-NAME-remaining and
// x-ratelimit-remaining-NAME, each paired with its reset header. A
// remaining of 0 (or less) whose reset is missing or malformed is not
// reported, since there is no time to wait for. With several spent limits
// the latest reset wins. A reset already past is reported as now. A reset
// given as a time of day counts from the response's Date header as in
// RetryHint; the time returned is on now's clock.
func Spent(h http.Header, now time.Time) (until time.Time, ok bool) {
	if !anySpent(h) {
		return time.Time{}, false // the common answer, found in one cheap pass
	}
	return spentLimits(h, now)
}

// spentLimits is Spent without its quick test.
func spentLimits(h http.Header, now time.Time) (until time.Time, ok bool) {
	var buf [8]limit
	ls := scan(h, buf[:0])
	if _, t, ok := pick(ls, anyDialect, now, providerNow(h, now), true); ok {
		return t, true
	}
	return time.Time{}, false
}

// anySpent reports whether some -remaining header of h reads 0 or less.
// When none does, Spent has nothing to report, whatever the resets say.
func anySpent(h http.Header) bool {
	for k, vs := range h {
		if len(vs) == 0 || !maybeNonPositive(vs[0]) {
			continue
		}
		if n, ok := number(vs[0]); !ok || n > 0 {
			continue
		}
		if _, _, isReset, ok := classify(k); ok && !isReset {
			return true
		}
	}
	return false
}

// maybeNonPositive is a quick test of v's first character: false when
// number(v) cannot be 0 or less.
func maybeNonPositive(v string) bool {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case ' ', '\t', '\n', '\v', '\f', '\r':
		case '0', '-', '+', '.':
			return true
		default:
			return c >= 0x80 // maybe a Unicode space: let number decide
		}
	}
	return false
}

// dialect is a family of rate-limit headers.
type dialect uint8

const (
	anthropic  dialect = iota // anthropic-ratelimit-NAME-{remaining,reset}; RFC 3339 resets
	openai                    // x-ratelimit-{remaining,reset}-NAME; duration resets
	anyDialect                // for pick: both
)

// limit is one rate limit found in a response: its remaining count and its
// reset, each with the header key it came from.
type limit struct {
	d                       dialect
	name                    string // NAME as it appears in the key
	resetKey, reset         string
	remainingKey, remaining string
}

// Prefixes and suffixes of the rate-limit header families.
const (
	anthPrefix   = "anthropic-ratelimit-"
	anthReset    = "-reset"
	anthRemain   = "-remaining"
	oaiResetPfx  = "x-ratelimit-reset-"
	oaiRemainPfx = "x-ratelimit-remaining-"
)

// scan collects the rate-limit headers of h into ls, pairing each limit's
// remaining with its reset. When a header appears under two spellings of
// its key, the smallest key wins so that the result does not depend on map
// order.
func scan(h http.Header, ls []limit) []limit {
	for k, vs := range h {
		if len(vs) == 0 {
			continue
		}
		d, name, isReset, ok := classify(k)
		if !ok {
			continue
		}
		i := 0
		for i < len(ls) && (ls[i].d != d || !equalFold(ls[i].name, name)) {
			i++
		}
		if i == len(ls) {
			ls = append(ls, limit{d: d, name: name})
		}
		l := &ls[i]
		if isReset {
			if l.resetKey == "" || k < l.resetKey {
				l.resetKey, l.reset = k, vs[0]
			}
		} else if l.remainingKey == "" || k < l.remainingKey {
			l.remainingKey, l.remaining = k, vs[0]
		}
	}
	return ls
}

// classify tells whether header key k belongs to a rate-limit family, and
// which limit and which half (reset or remaining) it names.
func classify(k string) (d dialect, name string, isReset, ok bool) {
	if rest, found := cutPrefixFold(k, anthPrefix); found {
		if name, found := cutSuffixFold(rest, anthReset); found && name != "" {
			return anthropic, name, true, true
		}
		if name, found := cutSuffixFold(rest, anthRemain); found && name != "" {
			return anthropic, name, false, true
		}
		return 0, "", false, false
	}
	if name, found := cutPrefixFold(k, oaiResetPfx); found && name != "" {
		return openai, name, true, true
	}
	if name, found := cutPrefixFold(k, oaiRemainPfx); found && name != "" {
		return openai, name, false, true
	}
	return 0, "", false, false
}

// pick chooses among the limits of dialect d (or of both) the one whose
// reset decides the wait: the latest reset of a spent limit, else, unless
// spentOnly, the latest reset of any. Limits with a malformed or absurd
// reset are skipped. ref is the provider's now (see providerNow). The
// returned time is on now's clock and never before now.
func pick(ls []limit, d dialect, now, ref time.Time, spentOnly bool) (best limit, until time.Time, ok bool) {
	bestSpent := false
	for _, l := range ls {
		if d != anyDialect && l.d != d || l.reset == "" {
			continue
		}
		t, valid := l.until(now, ref)
		if !valid {
			continue
		}
		spent := l.spent()
		if spentOnly && !spent {
			continue
		}
		better := !ok ||
			spent && !bestSpent ||
			spent == bestSpent && (t.After(until) || t.Equal(until) && lessFold(l.resetKey, best.resetKey))
		if better {
			best, until, ok, bestSpent = l, t, true, spent
		}
	}
	return best, until, ok
}

// sourceName returns the lower-case name of a reset header key, without
// allocating for the headers the providers document.
func sourceName(k string) string {
	for _, n := range [...]string{
		"anthropic-ratelimit-requests-reset",
		"anthropic-ratelimit-tokens-reset",
		"anthropic-ratelimit-input-tokens-reset",
		"anthropic-ratelimit-output-tokens-reset",
		"x-ratelimit-reset-requests",
		"x-ratelimit-reset-tokens",
	} {
		if equalFold(k, n) {
			return n
		}
	}
	return strings.ToLower(k)
}

// cutPrefixFold is strings.CutPrefix with ASCII case folding.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !equalFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

// cutSuffixFold is strings.CutSuffix with ASCII case folding.
func cutSuffixFold(s, suffix string) (string, bool) {
	if len(s) < len(suffix) || !equalFold(s[len(s)-len(suffix):], suffix) {
		return s, false
	}
	return s[:len(s)-len(suffix)], true
}

// equalFold reports whether a and b are equal under ASCII case folding,
// the folding HTTP applies to header names.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// lessFold orders strings by their ASCII lower-case form.
func lessFold(a, b string) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := lower(a[i]), lower(b[i])
		if ca != cb {
			return ca < cb
		}
	}
	return len(a) < len(b)
}

// lower folds an ASCII upper-case letter to lower case.
func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

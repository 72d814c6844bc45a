package backoff

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzRetryHint feeds arbitrary values to every hint header (and one
// arbitrary extra header) and checks that the result is always a sane wait.
func FuzzRetryHint(f *testing.F) {
	f.Add("1500", "30", "2026-08-21T12:00:30Z", "0", "6m0s", "0", "X-Ratelimit-Reset-Foo", "1s")
	f.Add("", "Wed, 21 Oct 2015 07:28:00 GMT", "", "", "", "", "", "")
	f.Add("NaN", "+Inf", "9999-12-31T23:59:59Z", "-1", "2562047h47m16.854775807s", "1e309", "anthropic-ratelimit--reset", "0")
	f.Add("-1e300", "1e-400", "2026-08-21T12:00:30.123456789+14:00", "0.0", "-0s", "", "x-ratelimit-remaining-", "0")
	f.Add("1e12", "Sunday, 06-Nov-94 08:49:37 GMT", "junk", "0", "20ms", "00", "Anthropic-Ratelimit-Foo-Reset", "2026-08-21T12:01:00Z")
	f.Add("", "", "2026-08-21T12:00:30Z", "\u00a00", "1s", " -0.0e5 ", "X-RATELIMIT-REMAINING-TOKENS", ".0")
	f.Add("", "", "2026-08-21t23:59:60.5z", "0", "", "", "Anthropic-Ratelimit-Requests-Reset", "2026-08-21T12:00:60Z")
	f.Fuzz(func(t *testing.T, ms, ra, anReset, anRemaining, oaReset, oaRemaining, key, val string) {
		h := http.Header{}
		h.Set("retry-after-ms", ms)
		h.Set("retry-after", ra)
		h.Set("anthropic-ratelimit-tokens-reset", anReset)
		h.Set("anthropic-ratelimit-tokens-remaining", anRemaining)
		h.Set("x-ratelimit-reset-requests", oaReset)
		h.Set("x-ratelimit-remaining-requests", oaRemaining)
		h[key] = append(h[key], val)

		hint, ok := RetryHint(h, now)
		if !ok && hint != (Hint{}) {
			t.Fatalf("no hint but %+v", hint)
		}
		if ok && (hint.Wait < 0 || hint.Wait > MaxHint || hint.Source == "") {
			t.Fatalf("RetryHint = %+v", hint)
		}
		if again, _ := RetryHint(h, now); again != hint {
			t.Fatalf("RetryHint not deterministic: %+v then %+v", hint, again)
		}
		until, spent := Spent(h, now)
		if spent && (until.Before(now) || until.Sub(now) > MaxHint) {
			t.Fatalf("Spent = %v, beyond [now, now+MaxHint]", until)
		}
		if !spent && !until.IsZero() {
			t.Fatalf("not spent but until %v", until)
		}
		if spent && !ok {
			t.Fatalf("Spent until %v but RetryHint found no hint", until)
		}
		if u, s := spentLimits(h, now); u != until || s != spent {
			t.Fatalf("Spent = %v, %v; without its quick test %v, %v", until, spent, u, s)
		}
	})
}

// FuzzParseValue checks each single-value parser against the standard
// library it stands in for, and the bounds every wait must respect.
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{"30", "1.5", "-3", "1e3", "0x10", "1_000", "inf", "NaN", ".", "+", "1e", " 7 ",
		"6m0s", "20ms", "2m59.56s", "1h", "-1s", "9000h", "1.", ".5",
		"Wed, 21 Oct 2015 07:28:00 GMT", "Sun Nov  6 08:49:37 1994", "2026-08-21T12:00:30Z",
		"2026-08-21t12:00:30z", "2026-08-21T23:59:60Z", "2026-08-21t16:59:60.5-07:00", "2026-08-21T12:00:60Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, ok := number(s); ok {
			want, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || n != want || math.IsNaN(n) || math.IsInf(n, 0) {
				t.Fatalf("number(%q) = %v; ParseFloat = %v, %v", s, n, want, err)
			}
		}
		if d, ok := duration(s); ok {
			if c := s[len(s)-1]; c >= '0' && c <= '9' || c == '.' {
				if d < 0 || d > MaxHint {
					t.Fatalf("duration(%q) = %v outside [0, MaxHint]", s, d)
				}
			} else if want, err := time.ParseDuration(s); err != nil || d != want {
				t.Fatalf("duration(%q) = %v; ParseDuration = %v, %v", s, d, want, err)
			}
		}
		if w, ok := retryAfter(s, now); ok && (w < 0 || w > MaxHint) {
			t.Fatalf("retryAfter(%q) = %v outside [0, MaxHint]", s, w)
		}
		// s as a Date header: the provider's now is some time or now itself.
		ref := providerNow(http.Header{"Date": {s}}, now)
		for _, d := range []dialect{anthropic, openai} {
			for _, r := range []time.Time{now, ref} {
				if u, ok := (limit{d: d, reset: s}).until(now, r); ok && (u.Before(now) || u.Sub(now) > MaxHint) {
					t.Fatalf("until(%q) from %v = %v outside [now, now+MaxHint]", s, r, u)
				}
			}
		}
	})
}

package backoff

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 8, 21, 12, 0, 0, 0, time.UTC)

// hdr builds a header from name/value pairs, canonicalizing names as a
// parsed response would.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// at formats now+d as an RFC 3339 timestamp.
func at(d time.Duration) string { return now.Add(d).Format(time.RFC3339Nano) }

func TestRetryHint(t *testing.T) {
	const (
		ms  = "retry-after-ms"
		ra  = "retry-after"
		anR = "anthropic-ratelimit-requests-reset"
		anT = "anthropic-ratelimit-tokens-reset"
		anI = "anthropic-ratelimit-input-tokens-reset"
		anO = "anthropic-ratelimit-output-tokens-reset"
		oaR = "x-ratelimit-reset-requests"
		oaT = "x-ratelimit-reset-tokens"
	)
	cases := []struct {
		name   string
		h      http.Header
		wait   time.Duration
		source string // "" means no hint
	}{
		{"none", hdr(), 0, ""},
		{"unrelated headers", hdr("Content-Type", "application/json", "x-ratelimit-limit-tokens", "1000"), 0, ""},

		// retry-after-ms
		{"ms integer", hdr(ms, "1500"), 1500 * time.Millisecond, ms},
		{"ms fraction", hdr(ms, "20.5"), 20500 * time.Microsecond, ms},
		{"ms zero", hdr(ms, "0"), 0, ms},
		{"ms negative clamps", hdr(ms, "-250"), 0, ms},
		{"ms spaces", hdr(ms, " 40 "), 40 * time.Millisecond, ms},
		{"ms beats seconds", hdr(ms, "100", ra, "30"), 100 * time.Millisecond, ms},
		{"ms malformed falls through", hdr(ms, "soon", ra, "3"), 3 * time.Second, ra},
		{"ms NaN falls through", hdr(ms, "NaN", ra, "3"), 3 * time.Second, ra},
		{"ms Inf falls through", hdr(ms, "+Inf", ra, "3"), 3 * time.Second, ra},
		{"ms hex falls through", hdr(ms, "0x10", ra, "3"), 3 * time.Second, ra},
		{"ms over a year falls through", hdr(ms, "1e12", ra, "3"), 3 * time.Second, ra},
		{"ms overflow falls through", hdr(ms, "1e400", ra, "3"), 3 * time.Second, ra},

		// retry-after seconds
		{"seconds", hdr(ra, "30"), 30 * time.Second, ra},
		{"fractional seconds", hdr(ra, "1.25"), 1250 * time.Millisecond, ra},
		{"zero seconds", hdr(ra, "0"), 0, ra},
		{"negative seconds clamp", hdr(ra, "-3"), 0, ra},
		{"seconds over a year ignored", hdr(ra, "99999999999"), 0, ""},
		{"seconds malformed", hdr(ra, "30s"), 0, ""},
		{"empty value", hdr(ra, ""), 0, ""},

		// retry-after HTTP-date
		{"IMF-fixdate", hdr(ra, now.Add(90*time.Second).Format(http.TimeFormat)), 90 * time.Second, ra},
		{"RFC 850", hdr(ra, now.Add(2*time.Minute).Format(time.RFC850)), 2 * time.Minute, ra},
		{"asctime", hdr(ra, now.Add(5*time.Second).Format(time.ANSIC)), 5 * time.Second, ra},
		{"RFC 850 two-digit year", hdr(ra, "Sunday, 06-Nov-94 08:49:37 GMT"), 0, ra},
		{"date in the past", hdr(ra, "Wed, 21 Oct 2015 07:28:00 GMT"), 0, ra},
		{"date over a year ahead ignored", hdr(ra, now.AddDate(2, 0, 0).Format(http.TimeFormat)), 0, ""},
		{"date malformed falls through", hdr(ra, "Someday, soon", oaR, "2s"), 2 * time.Second, oaR},
		{"retry-after beats resets", hdr(ra, "4", anR, at(time.Minute), oaR, "1m"), 4 * time.Second, ra},

		// Anthropic resets
		{"anthropic single", hdr(anT, at(30*time.Second)), 30 * time.Second, anT},
		{"anthropic latest when none spent", hdr(
			anR, at(5*time.Second), "anthropic-ratelimit-requests-remaining", "3",
			anT, at(40*time.Second), "anthropic-ratelimit-tokens-remaining", "1000",
			anI, at(20*time.Second), anO, at(10*time.Second),
		), 40 * time.Second, anT},
		{"anthropic spent beats later", hdr(
			anR, at(5*time.Second), "anthropic-ratelimit-requests-remaining", "0",
			anT, at(40*time.Second), "anthropic-ratelimit-tokens-remaining", "1000",
		), 5 * time.Second, anR},
		{"anthropic latest of several spent", hdr(
			anR, at(5*time.Second), "anthropic-ratelimit-requests-remaining", "0",
			anI, at(50*time.Second), "anthropic-ratelimit-input-tokens-remaining", "0",
			anO, at(10*time.Second), "anthropic-ratelimit-output-tokens-remaining", "0",
			anT, at(55*time.Second), "anthropic-ratelimit-tokens-remaining", "1",
		), 50 * time.Second, anI},
		{"anthropic output tokens spent", hdr(
			anO, at(7*time.Second), "anthropic-ratelimit-output-tokens-remaining", "0",
			anI, at(59*time.Second), "anthropic-ratelimit-input-tokens-remaining", "80000",
		), 7 * time.Second, anO},
		{"anthropic fractional and offset", hdr(anT, now.Add(10500*time.Millisecond).In(time.FixedZone("", 2*3600)).Format(time.RFC3339Nano)), 10500 * time.Millisecond, anT},
		{"anthropic past clamps", hdr(anT, at(-time.Hour)), 0, anT},
		{"anthropic lowercase t and z", hdr(anT, "2026-08-21t12:00:30z"), 30 * time.Second, anT},
		{"anthropic leap second", hdr(anT, "2026-08-21T23:59:60Z"), 12*time.Hour - 1, anT},
		{"anthropic leap second with offset", hdr(anT, "2026-08-21t16:59:60.25-07:00"), 12*time.Hour - 1, anT},
		{"anthropic second 60 before midnight UTC", hdr(anT, "2026-08-21T12:00:60Z"), 0, ""},
		{"anthropic spent with bad reset uses others", hdr(
			anR, "soon", "anthropic-ratelimit-requests-remaining", "0",
			anT, at(9*time.Second),
		), 9 * time.Second, anT},
		{"anthropic durations are malformed", hdr(anT, "30s", oaT, "6m0s"), 6 * time.Minute, oaT},
		{"anthropic over a year ignored", hdr(anT, at(400*24*time.Hour)), 0, ""},
		{"anthropic beats openai", hdr(anT, at(time.Second), oaT, "1m"), time.Second, anT},

		// OpenAI resets
		{"openai seconds", hdr(oaR, "1s"), time.Second, oaR},
		{"openai minutes", hdr(oaT, "6m0s"), 6 * time.Minute, oaT},
		{"openai millis", hdr(oaT, "20ms"), 20 * time.Millisecond, oaT},
		{"openai fractional", hdr(oaT, "2m59.56s"), 2*time.Minute + 59560*time.Millisecond, oaT},
		{"openai bare seconds", hdr(oaR, "7"), 7 * time.Second, oaR},
		{"openai bare fraction", hdr(oaR, "0.5"), 500 * time.Millisecond, oaR},
		{"openai negative clamps", hdr(oaR, "-1s"), 0, oaR},
		{"openai malformed", hdr(oaR, "soon"), 0, ""},
		{"openai over a year", hdr(oaR, "9000h"), 0, ""},
		{"openai latest when none spent", hdr(
			oaR, "1s", "x-ratelimit-remaining-requests", "59",
			oaT, "6m0s", "x-ratelimit-remaining-tokens", "149984",
		), 6 * time.Minute, oaT},
		{"openai spent requests beats later tokens", hdr(
			oaR, "1s", "x-ratelimit-remaining-requests", "0",
			oaT, "6m0s", "x-ratelimit-remaining-tokens", "149984",
		), time.Second, oaR},
		{"openai spent tokens", hdr(
			oaR, "1s", "x-ratelimit-remaining-requests", "59",
			oaT, "20ms", "x-ratelimit-remaining-tokens", "0",
		), 20 * time.Millisecond, oaT},
		{"openai extra limit", hdr("x-ratelimit-reset-tokens_usage_based", "3s", "x-ratelimit-remaining-tokens_usage_based", "0", oaT, "1m"),
			3 * time.Second, "x-ratelimit-reset-tokens_usage_based"},
		{"remaining without reset", hdr("x-ratelimit-remaining-tokens", "0"), 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := RetryHint(c.h, now)
			if c.source == "" {
				if ok {
					t.Fatalf("RetryHint = %+v; want no hint", got)
				}
				return
			}
			if !ok || got.Wait != c.wait || got.Source != c.source {
				t.Fatalf("RetryHint = %+v, %v; want {%v %s}", got, ok, c.wait, c.source)
			}
		})
	}
}

// TestRetryHintCaseInsensitive reads headers as a client receives them off
// the wire, in whatever case the server wrote.
func TestRetryHintCaseInsensitive(t *testing.T) {
	cases := []struct {
		raw    string
		wait   time.Duration
		source string
	}{
		{"RETRY-AFTER-MS: 250\r\n", 250 * time.Millisecond, "retry-after-ms"},
		{"retry-after: 12\r\n", 12 * time.Second, "retry-after"},
		{"Anthropic-RateLimit-Tokens-Reset: " + at(3*time.Second) + "\r\nANTHROPIC-RATELIMIT-TOKENS-REMAINING: 0\r\n" +
			"anthropic-ratelimit-requests-reset: " + at(time.Minute) + "\r\n",
			3 * time.Second, "anthropic-ratelimit-tokens-reset"},
		{"X-RateLimit-Reset-Tokens: 6m0s\r\nx-ratelimit-reset-requests: 1s\r\nX-RATELIMIT-REMAINING-REQUESTS: 0\r\n",
			time.Second, "x-ratelimit-reset-requests"},
	}
	for _, c := range cases {
		raw := "HTTP/1.1 429 Too Many Requests\r\n" + c.raw + "Content-Length: 0\r\n\r\n"
		resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), nil)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := RetryHint(resp.Header, now)
		if !ok || got.Wait != c.wait || got.Source != c.source {
			t.Errorf("%q: RetryHint = %+v, %v; want {%v %s}", c.raw, got, ok, c.wait, c.source)
		}
	}

	// Keys stored outside canonical form still count for the reset families.
	h := http.Header{"x-ratelimit-reset-tokens": {"2s"}, "X-RATELIMIT-REMAINING-TOKENS": {"0"}}
	if got, ok := Spent(h, now); !ok || !got.Equal(now.Add(2*time.Second)) {
		t.Errorf("Spent with raw keys = %v, %v; want now+2s", got, ok)
	}
}

// TestRetryHintTieIsDeterministic checks that equal resets always report
// the same source, whatever order the header map yields.
func TestRetryHintTieIsDeterministic(t *testing.T) {
	h := hdr(
		"anthropic-ratelimit-tokens-reset", at(time.Minute),
		"anthropic-ratelimit-requests-reset", at(time.Minute),
		"anthropic-ratelimit-input-tokens-reset", at(time.Minute),
		"anthropic-ratelimit-output-tokens-reset", at(time.Minute),
	)
	for range 50 {
		got, ok := RetryHint(h, now)
		if !ok || got.Source != "anthropic-ratelimit-input-tokens-reset" || got.Wait != time.Minute {
			t.Fatalf("RetryHint = %+v, %v", got, ok)
		}
	}
}

func TestSpent(t *testing.T) {
	cases := []struct {
		name  string
		h     http.Header
		until time.Time // zero means not spent
	}{
		{"no headers", hdr(), time.Time{}},
		{"retry-after alone", hdr("retry-after", "30"), time.Time{}},
		{"remaining above zero", hdr(
			"anthropic-ratelimit-requests-remaining", "3", "anthropic-ratelimit-requests-reset", at(time.Minute),
			"x-ratelimit-remaining-tokens", "10", "x-ratelimit-reset-tokens", "1s",
		), time.Time{}},
		{"anthropic spent", hdr(
			"anthropic-ratelimit-tokens-remaining", "0", "anthropic-ratelimit-tokens-reset", at(20*time.Second),
			"anthropic-ratelimit-requests-remaining", "49", "anthropic-ratelimit-requests-reset", at(time.Minute),
		), now.Add(20 * time.Second)},
		{"openai spent", hdr(
			"x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "1s",
			"x-ratelimit-remaining-tokens", "149984", "x-ratelimit-reset-tokens", "6m0s",
		), now.Add(time.Second)},
		{"latest of several, across dialects", hdr(
			"anthropic-ratelimit-tokens-remaining", "0", "anthropic-ratelimit-tokens-reset", at(20*time.Second),
			"x-ratelimit-remaining-tokens", "0", "x-ratelimit-reset-tokens", "45s",
			"x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "2s",
		), now.Add(45 * time.Second)},
		{"negative remaining counts as spent", hdr("x-ratelimit-remaining-tokens", "-12", "x-ratelimit-reset-tokens", "3s"), now.Add(3 * time.Second)},
		{"spent without reset", hdr("anthropic-ratelimit-tokens-remaining", "0"), time.Time{}},
		{"spent with malformed reset", hdr("x-ratelimit-remaining-tokens", "0", "x-ratelimit-reset-tokens", "later"), time.Time{}},
		{"malformed remaining", hdr("x-ratelimit-remaining-tokens", "none", "x-ratelimit-reset-tokens", "3s"), time.Time{}},
		{"reset already past", hdr("anthropic-ratelimit-requests-remaining", "0", "anthropic-ratelimit-requests-reset", at(-time.Second)), now},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := Spent(c.h, now)
			if ok != !c.until.IsZero() || !got.Equal(c.until) {
				t.Fatalf("Spent = %v, %v; want %v", got, ok, c.until)
			}
		})
	}
}

func TestRetryHintAllocations(t *testing.T) {
	cases := map[string]http.Header{
		"retry-after-ms": hdr("retry-after-ms", "1500"),
		"retry-after":    hdr("retry-after", "30"),
		"openai": hdr(
			"x-ratelimit-limit-requests", "60", "x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "1s",
			"x-ratelimit-limit-tokens", "150000", "x-ratelimit-remaining-tokens", "149984", "x-ratelimit-reset-tokens", "6m0s",
		),
		"anthropic": hdr(
			"anthropic-ratelimit-requests-remaining", "0", "anthropic-ratelimit-requests-reset", "2026-08-21T12:00:05Z",
			"anthropic-ratelimit-tokens-remaining", "100", "anthropic-ratelimit-tokens-reset", "2026-08-21T12:00:40Z",
		),
	}
	for name, h := range cases {
		if n := testing.AllocsPerRun(100, func() { RetryHint(h, now); Spent(h, now) }); n != 0 {
			t.Errorf("%s: %v allocations per call; want 0", name, n)
		}
	}
}

// TestAbsoluteHintsCountFromTheProvidersClock checks that a reset given as
// a time of day (Retry-After HTTP-date, Anthropic RFC 3339 resets) is read
// on the clock of the provider that wrote it, which its Date header shows:
// a replica whose clock runs ahead must not cut the wait short, and one
// whose clock lags must not wait longer than asked.
func TestAbsoluteHintsCountFromTheProvidersClock(t *testing.T) {
	const (
		anR    = "anthropic-ratelimit-requests-reset"
		anRRem = "anthropic-ratelimit-requests-remaining"
	)
	// date is the Date header of a provider whose clock reads now+skew.
	date := func(skew time.Duration) string { return now.Add(skew).Format(http.TimeFormat) }
	cases := []struct {
		name string
		h    http.Header
		wait time.Duration
	}{
		{"http-date, provider behind", hdr("Date", date(-30*time.Second), "Retry-After", now.Add(-20*time.Second).Format(http.TimeFormat)), 10 * time.Second},
		{"http-date, provider ahead", hdr("Date", date(30*time.Second), "Retry-After", now.Add(40*time.Second).Format(http.TimeFormat)), 10 * time.Second},
		{"rfc 3339, provider behind", hdr("Date", date(-30*time.Second), anR, at(-20*time.Second), anRRem, "0"), 10 * time.Second},
		{"rfc 3339, provider ahead", hdr("Date", date(time.Hour), anR, at(time.Hour+10*time.Second), anRRem, "0"), 10 * time.Second},
		// Date has whole seconds: within a second after it, the replica's
		// own clock is finer.
		{"clocks agree", hdr("Date", date(0), anR, at(2500*time.Millisecond), anRRem, "0"), 2500 * time.Millisecond},
		{"reset before the provider's now", hdr("Date", date(-30*time.Second), anR, at(-40*time.Second), anRRem, "0"), 0},
		{"malformed date", hdr("Date", "yesterday", "Retry-After", now.Add(5*time.Second).Format(http.TimeFormat)), 5 * time.Second},
		// Relative hints need no clock.
		{"seconds ignore the date", hdr("Date", date(-30*time.Second), "Retry-After", "7"), 7 * time.Second},
		{"durations ignore the date", hdr("Date", date(-30*time.Second), "x-ratelimit-reset-requests", "1m30s"), 90 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := RetryHint(c.h, now)
			if !ok || got.Wait != c.wait {
				t.Fatalf("RetryHint = %+v, %v; want a wait of %v", got, ok, c.wait)
			}
			if c.h.Get(anRRem) == "" {
				return
			}
			if until, ok := Spent(c.h, now); !ok || !until.Equal(now.Add(c.wait)) {
				t.Fatalf("Spent = %v, %v; want now+%v", until, ok, c.wait)
			}
		})
	}
}

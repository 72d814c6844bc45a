package lifeline

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lifelinehq/lifeline/internal/rfc3339"
	"github.com/lifelinehq/lifeline/wire"
)

// Request is one logical client request: the body as the client sent it,
// in its dialect. The engine never modifies Body.
type Request struct {
	// ID identifies the request in events and logs (the gateway's
	// X-Request-Id). Optional.
	ID string
	// Dialect is the wire format of Body and of the answer the client
	// expects.
	Dialect wire.Dialect
	// Body is the JSON request body.
	Body []byte
	// Header holds client headers to forward upstream (anthropic-version,
	// anthropic-beta, openai-organization…). Credentials, hop-by-hop
	// headers and lifeline's own headers are never forwarded.
	Header http.Header
	// IdempotencyKey is sent upstream as Idempotency-Key on every attempt.
	// Empty: the engine generates a UUIDv4.
	IdempotencyKey string
	// Deadline is the caller's wall-clock deadline (zero: none). The
	// earliest of it, the context's deadline and the route's total timeout
	// bounds the request.
	Deadline time.Time
	// Arrived is when the request reached the caller (zero: when the
	// engine starts on it). The route's total timeout counts from it, so
	// time the caller spent before handing the request over (reading its
	// body, waiting for another request with its idempotency key) is part
	// of the bound. Unlike Deadline, a request cut at this bound is cut by
	// the route's own timeout: its target is blamed as for any attempt cut
	// by timeouts.total.
	Arrived time.Time
	// Fields, when set, is wire.Peek(Body) as the caller already computed
	// it (to route the request); the engine then does not scan Body again.
	Fields *wire.Fields
}

// Response is a served request.
type Response struct {
	// Status and Header are the serving target's (2xx).
	Status int
	Header http.Header
	// Body is the answer in the client's dialect (nil for streams).
	Body []byte
	// Stream yields the answer's events in the client's dialect (nil when
	// the request did not ask for a stream). The caller must Close it.
	Stream *Stream
	// Target is the target that served the request ("provider/model").
	Target string
	// Attempts lists every upstream attempt, the serving one last.
	Attempts []Attempt
	// IdempotencyKey is the key sent upstream.
	IdempotencyKey string

	target int // index of Target in the route's chain
}

// Request headers an agent sends to bound its whole loop.
const (
	// HeaderDeadline is an absolute deadline: RFC 3339 or Unix milliseconds.
	HeaderDeadline = "X-Lifeline-Deadline"
	// HeaderTimeout is a relative deadline: a Go duration such as "45s".
	HeaderTimeout = "X-Lifeline-Timeout"
)

// ErrBadDeadline is matched (errors.Is) by the error ParseDeadline returns
// for an unreadable header.
var ErrBadDeadline = errors.New("lifeline: bad deadline header")

// ParseDeadline reads X-Lifeline-Deadline (RFC 3339 or Unix milliseconds)
// and X-Lifeline-Timeout (a positive Go duration) and returns the earlier
// of the two, or the zero time when neither is present. A value it cannot
// read, or a timeout of zero or less, is an error that matches
// ErrBadDeadline and says what is wrong. The time returned counts on now's
// monotonic clock, when now has one (time.Now): a step of the wall clock
// after now does not move it.
func ParseDeadline(h http.Header, now time.Time) (time.Time, error) {
	var d time.Time
	if v := strings.TrimSpace(h.Get(HeaderDeadline)); v != "" {
		if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
			d = onClockOf(now, time.UnixMilli(ms))
		} else if t, ok := rfc3339.Parse(v); ok {
			d = onClockOf(now, t) // a lowercase "t" and "z" and a leap second too
		} else if isInteger(v) {
			return time.Time{}, fmt.Errorf("%w: %s %q is too large for Unix milliseconds", ErrBadDeadline, HeaderDeadline, v)
		} else {
			return time.Time{}, fmt.Errorf("%w: %s %q is neither RFC 3339 (such as 2026-01-02T15:04:05Z) nor Unix milliseconds", ErrBadDeadline, HeaderDeadline, v)
		}
	}
	if v := strings.TrimSpace(h.Get(HeaderTimeout)); v != "" {
		dur, err := time.ParseDuration(v)
		if err != nil || dur <= 0 {
			return time.Time{}, fmt.Errorf("%w: %s %q %s", ErrBadDeadline, HeaderTimeout, v, whatIsWrong(v, err))
		}
		if t := now.Add(dur); d.IsZero() || t.Before(d) {
			d = t
		}
	}
	return d, nil
}

// whatIsWrong says why the X-Lifeline-Timeout value v is refused, err
// being what time.ParseDuration said of it.
func whatIsWrong(v string, err error) string {
	switch {
	case err == nil || durationSyntax(v) && v[0] == '-':
		return "is not positive: it is a time from now, such as 45s"
	case isNumber(v):
		return "has no unit: a Go duration needs one, such as 45s"
	case durationSyntax(v):
		// Spelled right, refused all the same: it overflows.
		return "is too large: the largest is " + time.Duration(math.MaxInt64).String()
	}
	return "is not a Go duration such as 45s, 1m30s or 500ms"
}

// durationSyntax reports whether v is spelled as time.ParseDuration asks,
// whatever its size: an optional sign, then numbers, each with an optional
// fraction and a unit, or a bare 0.
func durationSyntax(v string) bool {
	v = unsigned(v)
	if v == "0" {
		return true
	}
	if v == "" {
		return false
	}
	for v != "" {
		i, ok := decimal(v)
		if !ok {
			return false
		}
		j := i
		for j < len(v) && v[j] != '.' && (v[j] < '0' || v[j] > '9') {
			j++
		}
		switch v[i:j] {
		case "ns", "us", "µs", "μs", "ms", "s", "m", "h": // U+00B5 and U+03BC
		default:
			return false
		}
		v = v[j:]
	}
	return true
}

// isNumber reports whether v is a decimal number without a unit: an
// optional sign, digits, an optional fraction.
func isNumber(v string) bool {
	v = unsigned(v)
	i, ok := decimal(v)
	return ok && i == len(v)
}

// isInteger reports whether v is a whole decimal number: an optional sign,
// then digits only.
func isInteger(v string) bool {
	v = unsigned(v)
	return v != "" && digits(v, 0) == len(v)
}

// unsigned returns v without its leading sign, if any.
func unsigned(v string) string {
	if v != "" && (v[0] == '-' || v[0] == '+') {
		return v[1:]
	}
	return v
}

// decimal returns where the number that v starts with ends (digits, then
// an optional fraction), and whether it has a digit at all.
func decimal(v string) (end int, ok bool) {
	i := digits(v, 0)
	n := i
	if i < len(v) && v[i] == '.' {
		i = digits(v, i+1)
		n = i - 1
	}
	return i, n > 0
}

// digits returns the index of the first byte of v at or after i that is
// not a decimal digit.
func digits(v string, i int) int {
	for i < len(v) && '0' <= v[i] && v[i] <= '9' {
		i++
	}
	return i
}

// onClockOf returns the instant t names, as now plus the wall time from
// now to t: when now has a monotonic reading (time.Now), so does the
// result, and comparisons and durations with it count on the monotonic
// clock from now on, as a deadline must. A wall-clock-only time (parsed,
// or built from Unix time) compares by the wall clock, which NTP or a
// resumed VM may step.
func onClockOf(now, t time.Time) time.Time {
	return now.Add(t.Sub(now))
}

// dropped reports whether a header is never forwarded upstream:
// hop-by-hop headers, credentials, framing, and lifeline's own. Expect is
// one: lifeline holds the whole body before an attempt starts, and an
// upstream asked for a 100 Continue it never sends would delay each one.
// Content-Encoding is another: the body lifeline sends is its own,
// never compressed (the gateway decodes a gzip-compressed one). The
// headers that say where the client is on its network go no further.
func dropped(k string) bool {
	switch k {
	case "Authorization", "X-Api-Key", "Host", "Content-Length", "Expect",
		"Content-Type", "Content-Encoding", "Accept-Encoding", "Connection", "Keep-Alive",
		"Proxy-Connection", "Proxy-Authorization", "Proxy-Authenticate", "Te",
		"Trailer", "Transfer-Encoding", "Upgrade", "Idempotency-Key",
		"Cookie", "Accept",
		// Where the client is on its network: no provider's business.
		"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-Ip", "Forwarded", "Via",
		"":
		return true
	}
	return false
}

// forwardHeader copies the client headers that may reach a target of
// dialect d into dst: not the hop-by-hop headers, including those the
// client names in its Connection header (RFC 9110 §7.6.1).
func forwardHeader(dst, src http.Header, d wire.Dialect) {
	conn := src["Connection"]
	for k, v := range src {
		if dropped(k) {
			continue
		}
		switch k[0] {
		case 'X':
			if strings.HasPrefix(k, "X-Lifeline-") || strings.HasPrefix(k, "X-Stainless-") {
				continue
			}
		case 'A':
			if d == wire.OpenAI && strings.HasPrefix(k, "Anthropic-") {
				continue
			}
		case 'O':
			if d == wire.Anthropic && strings.HasPrefix(k, "Openai-") {
				continue
			}
		}
		if len(conn) > 0 && namedIn(conn, k) {
			continue
		}
		dst[k] = v
	}
}

// namedIn reports whether the Connection header values list name.
func namedIn(conn []string, name string) bool {
	for _, v := range conn {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return true
			}
		}
	}
	return false
}

package mock

import (
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lifelinehq/lifeline/wire"
)

// Header values shared by every response. net/http never modifies a
// header value slice, and each has len == cap, so an append by a wrapping
// handler copies it.
var (
	hvJSON        = []string{"application/json"}
	hvSSE         = []string{"text/event-stream; charset=utf-8"}
	hvHTML        = []string{"text/html"}
	hvNoCache     = []string{"no-cache"}
	hvZero        = []string{"0"}
	hvOpenAIVer   = []string{"2020-10-01"}
	hvProcessing  = []string{"42"}
	hvAReqLimit   = []string{"4000"}
	hvAReqRemain  = []string{"3999"}
	hvAInLimit    = []string{"2000000"}
	hvAInRemain   = []string{"1999000"}
	hvAOutLimit   = []string{"400000"}
	hvAOutRemain  = []string{"400000"}
	hvATokLimit   = []string{"2400000"}
	hvATokRemain  = []string{"2399000"}
	hvOReqLimit   = []string{"10000"}
	hvOTokLimit   = []string{"30000000"}
	hvOReqRemain  = []string{"9999"}
	hvOTokRemain  = []string{"29999000"}
	hvOReqReset   = []string{"6ms"}
	hvOTokReset   = []string{"2ms"}
	hvTrue        = []string{"true"}
	hvFalse       = []string{"false"}
	faultHeaderVs = func() (v [numFaults][]string) {
		for i := range faultTable {
			v[i] = []string{string(faultTable[i].fault)}
		}
		return v
	}()
)

// Canonical header names, written straight into the header map.
const (
	hContentType    = "Content-Type"
	hCacheControl   = "Cache-Control"
	hRequestID      = "Request-Id"
	hXRequestID     = "X-Request-Id"
	hRetryAfter     = "Retry-After"
	hRetryAfterMS   = "Retry-After-Ms"
	hOpenAIVersion  = "Openai-Version"
	hProcessingMS   = "Openai-Processing-Ms"
	hMockFault      = "X-Mock-Fault"
	hIdempotencyKey = "Idempotency-Key"
	hMockFaultArg   = "X-Mock-Fault-Arg"
	hMockLatency    = "X-Mock-Latency"
	hMockTTFT       = "X-Mock-Ttft"
	hMockRetry      = "X-Mock-Should-Retry"
	hShouldRetry    = "X-Should-Retry"
	hAReqLimit      = "Anthropic-Ratelimit-Requests-Limit"
	hAReqRemaining  = "Anthropic-Ratelimit-Requests-Remaining"
	hAReqReset      = "Anthropic-Ratelimit-Requests-Reset"
	hAInLimit       = "Anthropic-Ratelimit-Input-Tokens-Limit"
	hAInRemaining   = "Anthropic-Ratelimit-Input-Tokens-Remaining"
	hAInReset       = "Anthropic-Ratelimit-Input-Tokens-Reset"
	hAOutLimit      = "Anthropic-Ratelimit-Output-Tokens-Limit"
	hAOutRemaining  = "Anthropic-Ratelimit-Output-Tokens-Remaining"
	hAOutReset      = "Anthropic-Ratelimit-Output-Tokens-Reset"
	hATokLimit      = "Anthropic-Ratelimit-Tokens-Limit"
	hATokRemaining  = "Anthropic-Ratelimit-Tokens-Remaining"
	hATokReset      = "Anthropic-Ratelimit-Tokens-Reset"
	hOReqLimit      = "X-Ratelimit-Limit-Requests"
	hOTokLimit      = "X-Ratelimit-Limit-Tokens"
	hOReqRemaining  = "X-Ratelimit-Remaining-Requests"
	hOTokRemaining  = "X-Ratelimit-Remaining-Tokens"
	hOReqReset      = "X-Ratelimit-Reset-Requests"
	hOTokReset      = "X-Ratelimit-Reset-Tokens"
	anthropicWindow = time.Second // how far ahead a clean response's reset lies
)

// resetCache formats the Anthropic reset timestamp of clean responses
// once per second.
type resetCache struct {
	cur atomic.Pointer[resetValue]
}

type resetValue struct {
	sec int64
	v   []string
}

// get returns the RFC 3339 reset value for now.
func (c *resetCache) get(now time.Time) []string {
	sec := now.Unix()
	if rv := c.cur.Load(); rv != nil && rv.sec == sec {
		return rv.v
	}
	rv := &resetValue{sec: sec, v: []string{rfc3339Ceil(now.Add(anthropicWindow))}}
	c.cur.Store(rv)
	return rv.v
}

// rfc3339Ceil formats t, rounded up to a whole second, as RFC 3339 UTC.
func rfc3339Ceil(t time.Time) string {
	return ceilSecond(t).UTC().Format(time.RFC3339)
}

func ceilSecond(t time.Time) time.Time {
	if r := t.Truncate(time.Second); !r.Equal(t) {
		return r.Add(time.Second)
	}
	return t
}

// setCommonHeaders sets the request id, the provider's rate-limit headers
// of a request that was not limited, and the mock's fault header.
func (s *Server) setCommonHeaders(h http.Header, rp *reply) {
	if rp.d == wire.Anthropic {
		h[hRequestID] = []string{string(rp.reqID)}
		reset := s.resets.get(rp.now)
		h[hAReqLimit], h[hAReqRemaining], h[hAReqReset] = hvAReqLimit, hvAReqRemain, reset
		h[hAInLimit], h[hAInRemaining], h[hAInReset] = hvAInLimit, hvAInRemain, reset
		h[hAOutLimit], h[hAOutRemaining], h[hAOutReset] = hvAOutLimit, hvAOutRemain, reset
		h[hATokLimit], h[hATokRemaining], h[hATokReset] = hvATokLimit, hvATokRemain, reset
	} else {
		h[hXRequestID] = []string{string(rp.reqID)}
		h[hOpenAIVersion], h[hProcessingMS] = hvOpenAIVer, hvProcessing
		h[hOReqLimit], h[hOTokLimit] = hvOReqLimit, hvOTokLimit
		h[hOReqRemaining], h[hOTokRemaining] = hvOReqRemain, hvOTokRemain
		h[hOReqReset], h[hOTokReset] = hvOReqReset, hvOTokReset
	}
	if rp.fault != None && !(rp.fault.content() && rp.valid && !rp.truncated()) {
		// Only a fault that changed the answer: one with nothing to break
		// in it (not_json on a plain text request) leaves a clean answer.
		// Plain text cut by max_tokens is valid but changed.
		h[hMockFault] = faultHeaderVs[rp.fault.index()]
	}
	if rp.shouldRetry != nil && !rp.valid {
		h[hShouldRetry] = rp.shouldRetry
	}
}

// shouldRetryValue returns the x-should-retry header value for "true" or
// "false" (any case); ok is false for anything else.
func shouldRetryValue(s string) (v []string, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return hvTrue, true
	case "false":
		return hvFalse, true
	}
	return nil, false
}

// setRateLimitHint turns the headers of a rate-limited response into the
// chosen hint: the requests limit is spent (remaining 0) and resets after
// wait, announced in the given format.
func setRateLimitHint(h http.Header, d wire.Dialect, format HintFormat, wait time.Duration, now time.Time) {
	until := now.Add(wait)
	if d == wire.Anthropic {
		h[hAReqRemaining] = hvZero
		h[hAReqReset] = []string{rfc3339Ceil(until)}
	} else {
		h[hOReqRemaining] = hvZero
		h[hOReqReset] = []string{wait.String()}
	}
	switch format {
	case HintRetryAfter:
		secs := int64((wait + time.Second - 1) / time.Second)
		h[hRetryAfter] = []string{strconv.FormatInt(secs, 10)}
	case HintRetryAfterMS:
		h[hRetryAfterMS] = []string{strconv.FormatInt(wait.Milliseconds(), 10)}
	case HintHTTPDate:
		h[hRetryAfter] = []string{ceilSecond(until).UTC().Format(http.TimeFormat)}
	case HintNone:
		for _, k := range [...]string{hAReqReset, hAInReset, hAOutReset, hATokReset, hOReqReset, hOTokReset} {
			delete(h, k)
		}
	}
}

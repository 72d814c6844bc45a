package compat_test

import (
	"net/http"
	"strconv"
	"testing"
)

// TestIdempotentReplay: an agent that repeats a request with the same
// Idempotency-Key (after a timeout, say) gets the first answer again from
// the gateway, streams included, and the SDK parses the replay like the
// original. The provider is called once.
func TestIdempotentReplay(t *testing.T) {
	e := newEnv(t)
	fc := faces[0]
	for _, stream := range []bool{false, true} {
		for _, s := range []sdk{openaiSDK, anthropicSDK} {
			name := s.dialect + streamName(stream)
			t.Run(name, func(t *testing.T) {
				m := e.mark(fc)
				req := request{route: s.dialect, stream: stream, headers: map[string]string{"Idempotency-Key": "compat-" + name}}
				var texts, replayed [2]string
				for i := range texts {
					r, err := s.send(e, fc, req)
					if err != nil {
						t.Fatal(err)
					}
					texts[i], replayed[i] = r.text, r.headers.Get("Idempotent-Replayed")
				}
				if texts[0] != textOf(s.dialect+"-a") || texts[1] != texts[0] || replayed != [2]string{"", "true"} {
					t.Fatalf("answers %q, Idempotent-Replayed %q", texts, replayed)
				}
				m.want(t, 2, map[string]uint64{s.dialect + "-a": 1})
			})
		}
	}
}

// TestRetryAfterNotMultiplied: a rate limit whose hint is longer than
// retry.max_wait moves on at once; on a one-target route the client gets
// 503 upstream_unavailable with Retry-After. The SDKs honour Retry-After
// when they retry, but x-should-retry: false stops them: one request, one
// upstream call.
func TestRetryAfterNotMultiplied(t *testing.T) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, s := range []sdk{openaiSDK, anthropicSDK} {
			t.Run(s.dialect, func(t *testing.T) {
				m := e.mark(fc)
				_, err := s.send(e, fc, request{route: "solo-" + s.dialect, headers: faultHeaders("rate_limit", "retry-after:10s")})
				apiErr, ok := s.apiError(err)
				if !ok || apiErr.status != 503 || apiErr.typ != "upstream_unavailable" {
					t.Fatalf("error %v, want a 503 upstream_unavailable %s", err, s.errorType)
				}
				checkRetryAfter(t, apiErr.response.Header)
				m.want(t, 1, map[string]uint64{s.dialect + "-a": 1})
			})
		}
	})
}

// checkRetryAfter fails the test unless the headers hold a Retry-After of
// a few seconds (the provider asked for 10s) and x-should-retry: false.
func checkRetryAfter(t *testing.T, h http.Header) {
	t.Helper()
	secs, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 10 || h.Get("X-Should-Retry") != "false" {
		t.Fatalf("Retry-After %q, x-should-retry %q: want 1..10 and false", h.Get("Retry-After"), h.Get("X-Should-Retry"))
	}
}

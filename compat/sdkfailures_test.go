package compat_test

import (
	"strings"
	"testing"
)

// errorCase is an error lifeline answers after applying its policy, on a
// one-target route.
type errorCase struct {
	name       string
	stream     bool
	structured bool
	headers    map[string]string
	status     int
	typ        string
	upstream   uint64 // calls the primary receives
	classes    string // the classes of the attempts in the error body
}

var errorCases = []errorCase{
	{name: "upstream_unavailable", headers: faultHeaders("server_error", ""),
		status: 503, typ: "upstream_unavailable", upstream: 3, classes: "transient,transient,transient"},
	{name: "upstream_unavailable/stream", stream: true, headers: faultHeaders("server_error", ""),
		status: 503, typ: "upstream_unavailable", upstream: 3, classes: "transient,transient,transient"},
	{name: "rejected", headers: faultHeaders("bad_request", ""),
		status: 400, typ: "invalid_request_error", upstream: 1, classes: "rejected"},
	{name: "invalid_output", structured: true, headers: faultHeaders("bad_schema", ""),
		status: 502, typ: "invalid_output", upstream: 1, classes: "invalid"},
	{name: "deadline_exceeded", headers: map[string]string{"X-Mock-Fault": "hang", "X-Lifeline-Timeout": "300ms"},
		status: 504, typ: "deadline_exceeded", upstream: 1, classes: "transient"},
}

// testTypedErrors: errors lifeline answers after applying its policy
// reach the SDK as its own typed error with lifeline's status and type,
// and the SDK, at its default max retries, sends nothing more
// (x-should-retry: false). On the gateway an unknown model is a 404
// model_not_found.
func testTypedErrors(t *testing.T, s sdk) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, dialect := range []string{"openai", "anthropic"} {
			ch := soloFor(dialect)
			for _, tc := range errorCases {
				t.Run(dialect+"/"+tc.name, func(t *testing.T) {
					m := e.mark(fc)
					_, err := s.send(e, fc, request{route: ch.route, stream: tc.stream, structured: tc.structured, headers: tc.headers})
					apiErr, ok := s.apiError(err)
					if !ok {
						t.Fatalf("error %T %v, want %s", err, err, s.errorType)
					}
					if apiErr.status != tc.status || apiErr.typ != tc.typ {
						t.Errorf("status %d type %q, want %d %q (%s)", apiErr.status, apiErr.typ, tc.status, tc.typ, apiErr.raw)
					}
					if h := apiErr.response.Header; h.Get("X-Should-Retry") != "false" || h.Get("X-Lifeline-Route") != ch.route {
						t.Errorf("headers %v", h)
					}
					var classes []string
					for _, a := range lifelineAttempts(t, apiErr.response) {
						classes = append(classes, a.Class)
						if a.Target != ch.primaryTarget {
							t.Errorf("attempt on %q, want %q", a.Target, ch.primaryTarget)
						}
					}
					if got := strings.Join(classes, ","); got != tc.classes {
						t.Errorf("attempt classes %q, want %q", got, tc.classes)
					}
					m.want(t, 1, map[string]uint64{ch.primary: tc.upstream})
				})
			}
		}
		if fc.gateway {
			t.Run("model_not_found", func(t *testing.T) {
				m := e.mark(fc)
				_, err := s.send(e, fc, request{route: "no-such-route"})
				if apiErr, ok := s.apiError(err); !ok || apiErr.status != 404 || apiErr.typ != "model_not_found" {
					t.Fatalf("error %v, want a 404 model_not_found %s", err, s.errorType)
				}
				m.want(t, 1, nil)
			})
		}
	})
}

func TestOpenAITypedErrors(t *testing.T)    { testTypedErrors(t, openaiSDK) }
func TestAnthropicTypedErrors(t *testing.T) { testTypedErrors(t, anthropicSDK) }

// brokenCases are stream faults after the first content event.
var brokenCases = []struct{ fault, arg string }{
	{"stream_error_after", "server_error:2"},
	{"cut", "4"},
}

// testBrokenStream: a stream that fails after content reached the client
// cannot be rerouted; the SDK must report an error, never a clean end, and
// the client keeps the part of the answer that arrived.
func testBrokenStream(t *testing.T, s sdk) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, ch := range chainsFor(s.dialect)[:2] {
			for _, f := range brokenCases {
				t.Run(ch.kind+"/"+f.fault, func(t *testing.T) {
					m := e.mark(fc)
					r, err := s.send(e, fc, request{route: ch.route, stream: true, headers: faultHeaders(f.fault, f.arg)})
					if err == nil {
						t.Fatalf("the stream ended cleanly after %q", r.text)
					}
					if got := r.text; got == "" || got == textOf(ch.primary) || !strings.HasPrefix(textOf(ch.primary), got) {
						t.Errorf("content before the cut %q: want a non-empty part of %q", got, textOf(ch.primary))
					}
					m.want(t, 1, map[string]uint64{ch.primary: 1})
				})
			}
		}
	})
}

func TestOpenAIBrokenStream(t *testing.T)    { testBrokenStream(t, openaiSDK) }
func TestAnthropicBrokenStream(t *testing.T) { testBrokenStream(t, anthropicSDK) }

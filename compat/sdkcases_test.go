package compat_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// The cases below run alike through both SDKs: each SDK's asker sends the
// request and returns the assistant's text and the response headers.

// asker sends one request to route through an SDK client of the face:
// streaming or not, asking for structured output or plain text, with the
// mock fault named (if any) on the first target.
type asker func(e *env, fc face, route string, stream, structured bool, fault string) (string, http.Header, error)

// testStructuredOutput: a valid answer is served as it is; an answer that
// breaks the schema is never returned, the second target serves.
func testStructuredOutput(t *testing.T, dialect string, ask asker) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, ch := range chainsFor(dialect) {
			for _, stream := range []bool{false, true} {
				// A valid answer from the first target.
				if ch.kind != "mixed" {
					t.Run(ch.kind+streamName(stream), func(t *testing.T) {
						m := e.mark(fc)
						text, h, err := ask(e, fc, ch.route, stream, true, "")
						if err != nil {
							t.Fatal(err)
						}
						checkAnswerJSON(t, text)
						checkServed(t, h, ch.route, ch.primaryTarget, "1")
						m.want(t, 1, map[string]uint64{ch.primary: 1})
					})
				}
				// An answer that breaks the schema is never returned: the
				// second target serves.
				t.Run(ch.kind+streamName(stream)+"/invalid-first", func(t *testing.T) {
					m := e.mark(fc)
					text, h, err := ask(e, fc, ch.route, stream, true, "bad_schema")
					if err != nil {
						t.Fatal(err)
					}
					checkAnswerJSON(t, text)
					checkServed(t, h, ch.route, ch.backupTarget, "2")
					if en := e.lastEntry(ch.primary); en.Valid || en.Fault != "bad_schema" {
						t.Fatalf("the primary's answer %+v should have been an invalid one", en)
					}
					m.want(t, 1, map[string]uint64{ch.primary: 1, ch.backup: 1})
				})
			}
		}
	})
}

// fallbackCase is one way the first target fails before the second
// serves.
type fallbackCase struct {
	name   string
	stream bool
	fault  string
}

var fallbackCases = []fallbackCase{
	// 529 (Anthropic) or 503 "overloaded" (OpenAI): the next target at once.
	{name: "overloaded", fault: "overloaded"},
	{name: "overloaded/stream", stream: true, fault: "overloaded"},
	// An error event inside a 200 stream, before any content reached the
	// client: the reroute is invisible to it.
	{name: "error-event/stream", stream: true, fault: "stream_error_before"},
}

// primaryAttempts is the number of attempts the primary gets under a
// fallback case: one, except for an OpenAI server_error event inside a
// stream, which is transient and retried up to max_attempts (3).
func (fc fallbackCase) primaryAttempts(primary string) uint64 {
	if fc.fault == "stream_error_before" && strings.HasPrefix(primary, "openai") {
		return 3
	}
	return 1
}

// testFallback: the first target fails, the second serves, on one SDK
// request.
func testFallback(t *testing.T, dialect string, ask asker) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, ch := range chainsFor(dialect) {
			for _, c := range fallbackCases {
				t.Run(ch.kind+"/"+c.name, func(t *testing.T) {
					m := e.mark(fc)
					text, h, err := ask(e, fc, ch.route, c.stream, false, c.fault)
					if err != nil {
						t.Fatal(err)
					}
					if text != textOf(ch.backup) {
						t.Errorf("content %q, want the backup's %q", text, textOf(ch.backup))
					}
					n := c.primaryAttempts(ch.primary)
					checkServed(t, h, ch.route, ch.backupTarget, strconv.FormatUint(n+1, 10))
					m.want(t, 1, map[string]uint64{ch.primary: n, ch.backup: 1})
				})
			}
		}
	})
}

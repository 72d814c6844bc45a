package compat_test

import (
	"strconv"
	"strings"
	"testing"
)

// The cases below run alike through both SDKs (see sdk): each SDK's
// functions send the request and read the answer into a reply.

// testAnswer: a plain request, streaming or not, is served by the first
// target of a same-dialect or a cross-dialect route, with the answer's
// text, the normal finish reason, positive usage and lifeline's headers.
func testAnswer(t *testing.T, s sdk, stream bool) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, ch := range chainsFor(s.dialect)[:2] {
			t.Run(ch.kind, func(t *testing.T) {
				m := e.mark(fc)
				r, err := s.send(e, fc, request{route: ch.route, stream: stream})
				if err != nil {
					t.Fatal(err)
				}
				if r.text != textOf(ch.primary) {
					t.Errorf("content %q, want %q", r.text, textOf(ch.primary))
				}
				if r.id == "" || r.role != "assistant" || r.finish != s.stop || r.inputTokens <= 0 || r.outputTokens <= 0 {
					t.Errorf("id %q, role %q, finish reason %q (want %q), usage %d in %d out",
						r.id, r.role, r.finish, s.stop, r.inputTokens, r.outputTokens)
				}
				checkServed(t, r.headers, ch.route, ch.primaryTarget, "1")
				m.want(t, 1, map[string]uint64{ch.primary: 1})
			})
		}
	})
}

func TestOpenAIText(t *testing.T)    { testAnswer(t, openaiSDK, false) }
func TestAnthropicText(t *testing.T) { testAnswer(t, anthropicSDK, false) }

func TestOpenAIStream(t *testing.T)    { testAnswer(t, openaiSDK, true) }
func TestAnthropicStream(t *testing.T) { testAnswer(t, anthropicSDK, true) }

// testToolCall runs one agent step with a tool: the model calls the tool,
// the client sends the result back, the model answers in text.
func testToolCall(t *testing.T, s sdk) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, ch := range chainsFor(s.dialect)[:2] {
			for _, stream := range []bool{false, true} {
				t.Run(ch.kind+streamName(stream), func(t *testing.T) {
					m := e.mark(fc)
					turn, err := s.send(e, fc, request{route: ch.route, stream: stream, tools: true})
					if err != nil {
						t.Fatal(err)
					}
					if turn.finish != s.toolStop || len(turn.calls) != 1 {
						t.Fatalf("finish reason %q (want %q), tool calls %+v", turn.finish, s.toolStop, turn.calls)
					}
					call := turn.calls[0]
					if call.id == "" || call.typ != s.toolType || call.name != weatherTool {
						t.Fatalf("tool call %+v", call)
					}
					checkWeatherArgs(t, call.args)

					// The tool's result goes back; the model must answer in text.
					r, err := turn.toolResult(call.id, `{"temperature_c":21}`)
					if err != nil {
						t.Fatal(err)
					}
					if r.text != textOf(ch.primary) || r.finish != s.stop {
						t.Errorf("after the tool result: content %q, finish reason %q", r.text, r.finish)
					}
					m.want(t, 2, map[string]uint64{ch.primary: 2})
				})
			}
		}
	})
}

func TestOpenAIToolCall(t *testing.T)    { testToolCall(t, openaiSDK) }
func TestAnthropicToolCall(t *testing.T) { testToolCall(t, anthropicSDK) }

// testStructuredOutput: a valid answer is served as it is; an answer that
// breaks the schema is never returned, the second target serves.
func testStructuredOutput(t *testing.T, s sdk) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, ch := range chainsFor(s.dialect) {
			for _, stream := range []bool{false, true} {
				// A valid answer from the first target.
				if ch.kind != "mixed" {
					t.Run(ch.kind+streamName(stream), func(t *testing.T) {
						m := e.mark(fc)
						r, err := s.send(e, fc, request{route: ch.route, stream: stream, structured: true})
						if err != nil {
							t.Fatal(err)
						}
						checkAnswerJSON(t, r.text)
						checkServed(t, r.headers, ch.route, ch.primaryTarget, "1")
						m.want(t, 1, map[string]uint64{ch.primary: 1})
					})
				}
				// An answer that breaks the schema is never returned: the
				// second target serves.
				t.Run(ch.kind+streamName(stream)+"/invalid-first", func(t *testing.T) {
					m := e.mark(fc)
					r, err := s.send(e, fc, request{route: ch.route, stream: stream, structured: true,
						headers: faultHeaders("bad_schema", "")})
					if err != nil {
						t.Fatal(err)
					}
					checkAnswerJSON(t, r.text)
					checkServed(t, r.headers, ch.route, ch.backupTarget, "2")
					if en := e.lastEntry(ch.primary); en.Valid || en.Fault != "bad_schema" {
						t.Fatalf("the primary's answer %+v should have been an invalid one", en)
					}
					m.want(t, 1, map[string]uint64{ch.primary: 1, ch.backup: 1})
				})
			}
		}
	})
}

func TestOpenAIStructuredOutput(t *testing.T)    { testStructuredOutput(t, openaiSDK) }
func TestAnthropicStructuredOutput(t *testing.T) { testStructuredOutput(t, anthropicSDK) }

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
func testFallback(t *testing.T, s sdk) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, ch := range chainsFor(s.dialect) {
			for _, c := range fallbackCases {
				t.Run(ch.kind+"/"+c.name, func(t *testing.T) {
					m := e.mark(fc)
					r, err := s.send(e, fc, request{route: ch.route, stream: c.stream, headers: faultHeaders(c.fault, "")})
					if err != nil {
						t.Fatal(err)
					}
					if r.text != textOf(ch.backup) {
						t.Errorf("content %q, want the backup's %q", r.text, textOf(ch.backup))
					}
					n := c.primaryAttempts(ch.primary)
					checkServed(t, r.headers, ch.route, ch.backupTarget, strconv.FormatUint(n+1, 10))
					m.want(t, 1, map[string]uint64{ch.primary: n, ch.backup: 1})
				})
			}
		}
	})
}

func TestOpenAIFallback(t *testing.T)    { testFallback(t, openaiSDK) }
func TestAnthropicFallback(t *testing.T) { testFallback(t, anthropicSDK) }

// streamName is the subtest name suffix of a streaming case.
func streamName(stream bool) string {
	if stream {
		return "/stream"
	}
	return ""
}

package compat_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	aoption "github.com/anthropics/anthropic-sdk-go/v2/option"
)

func anthropicParams(route string) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model:     anthropic.Model(route),
		MaxTokens: 256,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Say hello."))},
	}
}

func anthropicToolParams(route string) anthropic.MessageNewParams {
	p := anthropicParams(route)
	p.Messages = []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("What is the weather in Paris?"))}
	p.Tools = []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
		Name:        weatherTool,
		Description: anthropic.String("Current weather of a city."),
		InputSchema: anthropic.ToolInputSchemaParam{
			Properties:  weatherParams["properties"],
			Required:    []string{"city"},
			ExtraFields: map[string]any{"additionalProperties": false},
		},
	}}}
	return p
}

func anthropicJSONParams(route string) anthropic.MessageNewParams {
	p := anthropicParams(route)
	p.Messages = []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Answer in JSON: is water wet?"))}
	p.OutputConfig = anthropic.OutputConfigParam{Format: anthropic.JSONOutputFormatParam{Schema: answerSchema}}
	return p
}

// anthropicStream runs a streaming request and returns the message the
// SDK's accumulator built, the response headers and the stream's error.
func anthropicStream(client anthropic.Client, p anthropic.MessageNewParams, opts ...aoption.RequestOption) (anthropic.Message, http.Header, error) {
	var raw *http.Response
	opts = append(opts, aoption.WithResponseInto(&raw))
	s := client.Messages.NewStreaming(context.Background(), p, opts...)
	defer s.Close()
	var m anthropic.Message
	for s.Next() {
		if err := m.Accumulate(s.Current()); err != nil {
			return m, nil, err
		}
	}
	var h http.Header
	if raw != nil {
		h = raw.Header
	}
	return m, h, s.Err()
}

// messageText joins the text blocks of a message.
func messageText(m anthropic.Message) string {
	var b strings.Builder
	for _, c := range m.Content {
		if c.Type == "text" {
			b.WriteString(c.Text)
		}
	}
	return b.String()
}

func afault(name string) aoption.RequestOption { return aoption.WithHeader("X-Mock-Fault", name) }

func afaultArg(arg string) aoption.RequestOption { return aoption.WithHeader("X-Mock-Fault-Arg", arg) }

func TestAnthropicText(t *testing.T) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, ch := range chainsFor("anthropic")[:2] {
			t.Run(ch.kind, func(t *testing.T) {
				m := e.mark(fc)
				var raw *http.Response
				client := fc.anthropic(e, ch.route)
				msg, err := client.Messages.New(context.Background(), anthropicParams(ch.route), aoption.WithResponseInto(&raw))
				if err != nil {
					t.Fatal(err)
				}
				if got := messageText(*msg); got != textOf(ch.primary) {
					t.Errorf("content %q, want %q", got, textOf(ch.primary))
				}
				if msg.Role != "assistant" || msg.StopReason != "end_turn" || msg.Usage.InputTokens <= 0 || msg.Usage.OutputTokens <= 0 {
					t.Errorf("role %q, stop reason %q, usage %+v", msg.Role, msg.StopReason, msg.Usage)
				}
				checkServed(t, raw.Header, ch.route, ch.primaryTarget, "1")
				m.want(t, 1, map[string]uint64{ch.primary: 1})
			})
		}
	})
}

func TestAnthropicStream(t *testing.T) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, ch := range chainsFor("anthropic")[:2] {
			t.Run(ch.kind, func(t *testing.T) {
				m := e.mark(fc)
				msg, h, err := anthropicStream(fc.anthropic(e, ch.route), anthropicParams(ch.route))
				if err != nil {
					t.Fatal(err)
				}
				if got := messageText(msg); got != textOf(ch.primary) {
					t.Errorf("content %q, want %q", got, textOf(ch.primary))
				}
				if msg.ID == "" || msg.StopReason != "end_turn" || msg.Usage.OutputTokens <= 0 {
					t.Errorf("id %q, stop reason %q, usage %+v", msg.ID, msg.StopReason, msg.Usage)
				}
				checkServed(t, h, ch.route, ch.primaryTarget, "1")
				m.want(t, 1, map[string]uint64{ch.primary: 1})
			})
		}
	})
}

// TestAnthropicToolCall runs one agent step with a tool: the model calls
// the tool, the client sends the result back, the model answers in text.
func TestAnthropicToolCall(t *testing.T) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, ch := range chainsFor("anthropic")[:2] {
			for _, stream := range []bool{false, true} {
				t.Run(ch.kind+streamName(stream), func(t *testing.T) {
					m := e.mark(fc)
					client := fc.anthropic(e, ch.route)
					p := anthropicToolParams(ch.route)
					var msg anthropic.Message
					if stream {
						got, _, err := anthropicStream(client, p)
						if err != nil {
							t.Fatal(err)
						}
						msg = got
					} else {
						got, err := client.Messages.New(context.Background(), p)
						if err != nil {
							t.Fatal(err)
						}
						msg = *got
					}
					var uses []anthropic.ContentBlockUnion
					for _, c := range msg.Content {
						if c.Type == "tool_use" {
							uses = append(uses, c)
						}
					}
					if msg.StopReason != "tool_use" || len(uses) != 1 {
						t.Fatalf("stop reason %q, content %+v", msg.StopReason, msg.Content)
					}
					use := uses[0]
					if use.ID == "" || use.Name != weatherTool {
						t.Fatalf("tool use %+v", use)
					}
					checkWeatherArgs(t, string(use.Input))

					// The tool's result goes back; the model must answer in text.
					p.Messages = append(p.Messages, msg.ToParam(),
						anthropic.NewUserMessage(anthropic.NewToolResultBlock(use.ID, `{"temperature_c":21}`, false)))
					p.ToolChoice = anthropic.ToolChoiceUnionParam{OfNone: &anthropic.ToolChoiceNoneParam{}}
					final, err := client.Messages.New(context.Background(), p)
					if err != nil {
						t.Fatal(err)
					}
					if got := messageText(*final); got != textOf(ch.primary) || final.StopReason != "end_turn" {
						t.Errorf("after the tool result: content %q, stop reason %q", got, final.StopReason)
					}
					m.want(t, 2, map[string]uint64{ch.primary: 2})
				})
			}
		}
	})
}

// anthropicAsk sends p, streaming or not, and returns the assistant's text
// and the response headers.
func anthropicAsk(client anthropic.Client, p anthropic.MessageNewParams, stream bool, opts ...aoption.RequestOption) (string, http.Header, error) {
	if stream {
		m, h, err := anthropicStream(client, p, opts...)
		return messageText(m), h, err
	}
	var raw *http.Response
	m, err := client.Messages.New(context.Background(), p, append(opts, aoption.WithResponseInto(&raw))...)
	if err != nil {
		return "", nil, err
	}
	return messageText(*m), raw.Header, nil
}

// anthropicAsker is anthropicAsk as the tests shared by both SDKs call it.
func anthropicAsker(e *env, fc face, route string, stream, structured bool, fault string) (string, http.Header, error) {
	p := anthropicParams(route)
	if structured {
		p = anthropicJSONParams(route)
	}
	var opts []aoption.RequestOption
	if fault != "" {
		opts = append(opts, afault(fault))
	}
	return anthropicAsk(fc.anthropic(e, route), p, stream, opts...)
}

func TestAnthropicStructuredOutput(t *testing.T) {
	testStructuredOutput(t, "anthropic", anthropicAsker)
}

// TestAnthropicFallback: the first target fails, the second serves, on one
// SDK request.
func TestAnthropicFallback(t *testing.T) { testFallback(t, "anthropic", anthropicAsker) }

// TestAnthropicTypedErrors: errors lifeline answers after applying its
// policy reach the SDK as *anthropic.Error with lifeline's status and type,
// and the SDK, at its default max retries, sends nothing more.
func TestAnthropicTypedErrors(t *testing.T) {
	cases := []struct {
		name     string
		stream   bool
		json     bool
		opts     []aoption.RequestOption
		status   int
		typ      string
		upstream uint64
		classes  string
	}{
		{name: "upstream_unavailable", opts: []aoption.RequestOption{afault("server_error")},
			status: 503, typ: "upstream_unavailable", upstream: 3, classes: "transient,transient,transient"},
		{name: "upstream_unavailable/stream", stream: true, opts: []aoption.RequestOption{afault("server_error")},
			status: 503, typ: "upstream_unavailable", upstream: 3, classes: "transient,transient,transient"},
		{name: "rejected", opts: []aoption.RequestOption{afault("bad_request")},
			status: 400, typ: "invalid_request_error", upstream: 1, classes: "rejected"},
		{name: "invalid_output", json: true, opts: []aoption.RequestOption{afault("bad_schema")},
			status: 502, typ: "invalid_output", upstream: 1, classes: "invalid"},
		{name: "deadline_exceeded", opts: []aoption.RequestOption{afault("hang"), aoption.WithHeader("X-Lifeline-Timeout", "300ms")},
			status: 504, typ: "deadline_exceeded", upstream: 1, classes: "transient"},
	}
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, sc := range []string{"anthropic", "openai"} {
			ch := soloFor(sc)
			for _, tc := range cases {
				t.Run(sc+"/"+tc.name, func(t *testing.T) {
					m := e.mark(fc)
					client := fc.anthropic(e, ch.route)
					var err error
					switch {
					case tc.stream:
						_, _, err = anthropicStream(client, anthropicParams(ch.route), tc.opts...)
					case tc.json:
						_, _, err = anthropicAsk(client, anthropicJSONParams(ch.route), false, tc.opts...)
					default:
						_, err = client.Messages.New(context.Background(), anthropicParams(ch.route), tc.opts...)
					}
					var apiErr *anthropic.Error
					if !errors.As(err, &apiErr) {
						t.Fatalf("error %T %v, want *anthropic.Error", err, err)
					}
					if apiErr.StatusCode != tc.status || string(apiErr.Type()) != tc.typ {
						t.Errorf("status %d type %q, want %d %q (%s)", apiErr.StatusCode, apiErr.Type(), tc.status, tc.typ, apiErr.RawJSON())
					}
					if h := apiErr.Response.Header; h.Get("X-Should-Retry") != "false" || h.Get("X-Lifeline-Route") != ch.route {
						t.Errorf("headers %v", h)
					}
					var classes []string
					for _, a := range lifelineAttempts(t, apiErr.Response) {
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
				client := fc.anthropic(e, "")
				_, err := client.Messages.New(context.Background(), anthropicParams("no-such-route"))
				var apiErr *anthropic.Error
				if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Type() != "model_not_found" {
					t.Fatalf("error %v, want a 404 model_not_found", err)
				}
				m.want(t, 1, nil)
			})
		}
	})
}

// TestAnthropicBrokenStream: a stream that fails after content reached the
// client ends with an error event the SDK reports, never a clean end.
func TestAnthropicBrokenStream(t *testing.T) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, ch := range chainsFor("anthropic")[:2] {
			for _, f := range []struct{ fault, arg string }{{"stream_error_after", "server_error:2"}, {"cut", "4"}} {
				t.Run(ch.kind+"/"+f.fault, func(t *testing.T) {
					m := e.mark(fc)
					msg, _, err := anthropicStream(fc.anthropic(e, ch.route), anthropicParams(ch.route), afault(f.fault), afaultArg(f.arg))
					if err == nil {
						t.Fatalf("the stream ended cleanly after %+v", msg.Content)
					}
					got := messageText(msg)
					if got == "" || got == textOf(ch.primary) || !strings.HasPrefix(textOf(ch.primary), got) {
						t.Errorf("content before the cut %q: want a non-empty part of %q", got, textOf(ch.primary))
					}
					m.want(t, 1, map[string]uint64{ch.primary: 1})
				})
			}
		}
	})
}

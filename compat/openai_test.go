package compat_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	ooption "github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

func openaiParams(route string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:    route,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Say hello.")},
	}
}

func openaiToolParams(route string) openai.ChatCompletionNewParams {
	p := openaiParams(route)
	p.Messages = []openai.ChatCompletionMessageParamUnion{openai.UserMessage("What is the weather in Paris?")}
	p.Tools = []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
		Name:        weatherTool,
		Description: openai.String("Current weather of a city."),
		Parameters:  shared.FunctionParameters(weatherParams),
	})}
	return p
}

func openaiJSONParams(route string) openai.ChatCompletionNewParams {
	p := openaiParams(route)
	p.Messages = []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Answer in JSON: is water wet?")}
	p.ResponseFormat = openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
		JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: "answer", Schema: answerSchema, Strict: openai.Bool(true)},
	}}
	return p
}

// openaiStream runs a streaming request and returns what the SDK's
// accumulator built, the response headers and the stream's error.
func openaiStream(client openai.Client, p openai.ChatCompletionNewParams, opts ...ooption.RequestOption) (openai.ChatCompletionAccumulator, http.Header, error) {
	var raw *http.Response
	opts = append(opts, ooption.WithResponseInto(&raw))
	p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	s := client.Chat.Completions.NewStreaming(context.Background(), p, opts...)
	defer s.Close()
	acc := openai.ChatCompletionAccumulator{}
	for s.Next() {
		acc.AddChunk(s.Current())
	}
	var h http.Header
	if raw != nil {
		h = raw.Header
	}
	return acc, h, s.Err()
}

func fault(name string) ooption.RequestOption { return ooption.WithHeader("X-Mock-Fault", name) }

func faultArg(arg string) ooption.RequestOption { return ooption.WithHeader("X-Mock-Fault-Arg", arg) }

func TestOpenAIText(t *testing.T) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, ch := range chainsFor("openai")[:2] {
			t.Run(ch.kind, func(t *testing.T) {
				m := e.mark(fc)
				var raw *http.Response
				client := fc.openai(e, ch.route)
				c, err := client.Chat.Completions.New(context.Background(), openaiParams(ch.route), ooption.WithResponseInto(&raw))
				if err != nil {
					t.Fatal(err)
				}
				if got := c.Choices[0].Message.Content; got != textOf(ch.primary) {
					t.Errorf("content %q, want %q", got, textOf(ch.primary))
				}
				if c.Choices[0].FinishReason != "stop" || c.Usage.PromptTokens <= 0 || c.Usage.CompletionTokens <= 0 {
					t.Errorf("finish reason %q, usage %+v", c.Choices[0].FinishReason, c.Usage)
				}
				checkServed(t, raw.Header, ch.route, ch.primaryTarget, "1")
				m.want(t, 1, map[string]uint64{ch.primary: 1})
			})
		}
	})
}

func TestOpenAIStream(t *testing.T) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, ch := range chainsFor("openai")[:2] {
			t.Run(ch.kind, func(t *testing.T) {
				m := e.mark(fc)
				acc, h, err := openaiStream(fc.openai(e, ch.route), openaiParams(ch.route))
				if err != nil {
					t.Fatal(err)
				}
				if len(acc.Choices) != 1 {
					t.Fatalf("accumulated %d choices", len(acc.Choices))
				}
				if got := acc.Choices[0].Message.Content; got != textOf(ch.primary) {
					t.Errorf("content %q, want %q", got, textOf(ch.primary))
				}
				if acc.Choices[0].FinishReason != "stop" || acc.Usage.TotalTokens <= 0 {
					t.Errorf("finish reason %q, usage %+v", acc.Choices[0].FinishReason, acc.Usage)
				}
				checkServed(t, h, ch.route, ch.primaryTarget, "1")
				m.want(t, 1, map[string]uint64{ch.primary: 1})
			})
		}
	})
}

// TestOpenAIToolCall runs one agent step with a tool: the model calls the
// tool, the client sends the result back, the model answers in text.
func TestOpenAIToolCall(t *testing.T) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, ch := range chainsFor("openai")[:2] {
			for _, stream := range []bool{false, true} {
				t.Run(ch.kind+streamName(stream), func(t *testing.T) {
					m := e.mark(fc)
					client := fc.openai(e, ch.route)
					p := openaiToolParams(ch.route)
					var msg openai.ChatCompletionMessage
					var finish string
					if stream {
						acc, _, err := openaiStream(client, p)
						if err != nil {
							t.Fatal(err)
						}
						msg, finish = acc.Choices[0].Message, acc.Choices[0].FinishReason
					} else {
						c, err := client.Chat.Completions.New(context.Background(), p)
						if err != nil {
							t.Fatal(err)
						}
						msg, finish = c.Choices[0].Message, c.Choices[0].FinishReason
					}
					if finish != "tool_calls" || len(msg.ToolCalls) != 1 {
						t.Fatalf("finish reason %q, tool calls %+v", finish, msg.ToolCalls)
					}
					call := msg.ToolCalls[0]
					if call.ID == "" || call.Type != "function" || call.Function.Name != weatherTool {
						t.Fatalf("tool call %+v", call)
					}
					checkWeatherArgs(t, call.Function.Arguments)

					// The tool's result goes back; the model must answer in text.
					p.Messages = append(p.Messages, msg.ToParam(), openai.ToolMessage(`{"temperature_c":21}`, call.ID))
					p.ToolChoice = openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("none")}
					c, err := client.Chat.Completions.New(context.Background(), p)
					if err != nil {
						t.Fatal(err)
					}
					if got := c.Choices[0].Message.Content; got != textOf(ch.primary) || c.Choices[0].FinishReason != "stop" {
						t.Errorf("after the tool result: content %q, finish reason %q", got, c.Choices[0].FinishReason)
					}
					m.want(t, 2, map[string]uint64{ch.primary: 2})
				})
			}
		}
	})
}

// openaiAsk sends p, streaming or not, and returns the assistant's text and
// the response headers.
func openaiAsk(client openai.Client, p openai.ChatCompletionNewParams, stream bool, opts ...ooption.RequestOption) (string, http.Header, error) {
	if stream {
		acc, h, err := openaiStream(client, p, opts...)
		if err != nil {
			return "", h, err
		}
		return acc.Choices[0].Message.Content, h, nil
	}
	var raw *http.Response
	c, err := client.Chat.Completions.New(context.Background(), p, append(opts, ooption.WithResponseInto(&raw))...)
	if err != nil {
		return "", nil, err
	}
	return c.Choices[0].Message.Content, raw.Header, nil
}

// openaiAsker is openaiAsk as the tests shared by both SDKs call it.
func openaiAsker(e *env, fc face, route string, stream, structured bool, faultName string) (string, http.Header, error) {
	p := openaiParams(route)
	if structured {
		p = openaiJSONParams(route)
	}
	var opts []ooption.RequestOption
	if faultName != "" {
		opts = append(opts, fault(faultName))
	}
	return openaiAsk(fc.openai(e, route), p, stream, opts...)
}

func TestOpenAIStructuredOutput(t *testing.T) { testStructuredOutput(t, "openai", openaiAsker) }

// TestOpenAIFallback: the first target fails, the second serves, on one
// SDK request.
func TestOpenAIFallback(t *testing.T) { testFallback(t, "openai", openaiAsker) }

// TestOpenAITypedErrors: errors lifeline answers after applying its policy
// reach the SDK as *openai.Error with lifeline's status and type, and the
// SDK, at its default max retries, sends nothing more (x-should-retry:
// false).
func TestOpenAITypedErrors(t *testing.T) {
	cases := []struct {
		name     string
		stream   bool
		json     bool
		opts     []ooption.RequestOption
		status   int
		typ      string
		upstream uint64 // calls the primary receives
		classes  string // the classes of the attempts in the error body
	}{
		{name: "upstream_unavailable", opts: []ooption.RequestOption{fault("server_error")},
			status: 503, typ: "upstream_unavailable", upstream: 3, classes: "transient,transient,transient"},
		{name: "upstream_unavailable/stream", stream: true, opts: []ooption.RequestOption{fault("server_error")},
			status: 503, typ: "upstream_unavailable", upstream: 3, classes: "transient,transient,transient"},
		{name: "rejected", opts: []ooption.RequestOption{fault("bad_request")},
			status: 400, typ: "invalid_request_error", upstream: 1, classes: "rejected"},
		{name: "invalid_output", json: true, opts: []ooption.RequestOption{fault("bad_schema")},
			status: 502, typ: "invalid_output", upstream: 1, classes: "invalid"},
		{name: "deadline_exceeded", opts: []ooption.RequestOption{fault("hang"), ooption.WithHeader("X-Lifeline-Timeout", "300ms")},
			status: 504, typ: "deadline_exceeded", upstream: 1, classes: "transient"},
	}
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, sc := range []string{"openai", "anthropic"} {
			ch := soloFor(sc)
			for _, tc := range cases {
				t.Run(sc+"/"+tc.name, func(t *testing.T) {
					m := e.mark(fc)
					client := fc.openai(e, ch.route)
					var err error
					switch {
					case tc.stream:
						_, _, err = openaiStream(client, openaiParams(ch.route), tc.opts...)
					case tc.json:
						_, _, err = openaiAsk(client, openaiJSONParams(ch.route), false, tc.opts...)
					default:
						_, err = client.Chat.Completions.New(context.Background(), openaiParams(ch.route), tc.opts...)
					}
					var apiErr *openai.Error
					if !errors.As(err, &apiErr) {
						t.Fatalf("error %T %v, want *openai.Error", err, err)
					}
					if apiErr.StatusCode != tc.status || apiErr.Type != tc.typ {
						t.Errorf("status %d type %q, want %d %q (%s)", apiErr.StatusCode, apiErr.Type, tc.status, tc.typ, apiErr.RawJSON())
					}
					if h := apiErr.Response.Header; h.Get("X-Should-Retry") != "false" || h.Get("X-Lifeline-Route") != ch.route {
						t.Errorf("headers %v", h)
					}
					attempts := lifelineAttempts(t, apiErr.Response)
					var classes []string
					for _, a := range attempts {
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
				client := fc.openai(e, "")
				_, err := client.Chat.Completions.New(context.Background(), openaiParams("no-such-route"))
				var apiErr *openai.Error
				if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Type != "model_not_found" {
					t.Fatalf("error %v, want a 404 model_not_found", err)
				}
				m.want(t, 1, nil)
			})
		}
	})
}

// TestOpenAIBrokenStream: a stream that fails after content reached the
// client cannot be rerouted; the SDK must see an error, never a clean end.
func TestOpenAIBrokenStream(t *testing.T) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		for _, ch := range chainsFor("openai")[:2] {
			for _, f := range []struct{ fault, arg string }{{"stream_error_after", "server_error:2"}, {"cut", "4"}} {
				t.Run(ch.kind+"/"+f.fault, func(t *testing.T) {
					m := e.mark(fc)
					acc, _, err := openaiStream(fc.openai(e, ch.route), openaiParams(ch.route), fault(f.fault), faultArg(f.arg))
					if err == nil {
						t.Fatalf("the stream ended cleanly after %+v", acc.Choices)
					}
					if len(acc.Choices) > 0 {
						got := acc.Choices[0].Message.Content
						if got == "" || got == textOf(ch.primary) || !strings.HasPrefix(textOf(ch.primary), got) {
							t.Errorf("content before the cut %q: want a non-empty part of %q", got, textOf(ch.primary))
						}
					} else {
						t.Error("no content reached the client before the cut")
					}
					m.want(t, 1, map[string]uint64{ch.primary: 1})
				})
			}
		}
	})
}

func streamName(stream bool) string {
	if stream {
		return "/stream"
	}
	return ""
}

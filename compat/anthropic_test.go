package compat_test

import (
	"context"
	"net/http"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"
	aoption "github.com/anthropics/anthropic-sdk-go/v2/option"
)

// anthropicSDK is anthropic-sdk-go as the cases written once drive it.
var anthropicSDK = sdk{
	dialect: "anthropic", errorType: "*anthropic.Error",
	stop: "end_turn", toolStop: "tool_use", toolType: "tool_use",
	send: anthropicSend, apiError: anthropicAPIError,
}

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
	var m anthropic.Message
	err := drain(client.Messages.NewStreaming(context.Background(), p, opts...), m.Accumulate)
	return m, headerOf(raw), err
}

// anthropicMessage sends p, streaming or not, and returns the message
// (what the accumulator built, for a stream) and the response headers.
func anthropicMessage(client anthropic.Client, p anthropic.MessageNewParams, stream bool, opts ...aoption.RequestOption) (anthropic.Message, http.Header, error) {
	if stream {
		return anthropicStream(client, p, opts...)
	}
	var raw *http.Response
	m, err := client.Messages.New(context.Background(), p, append(opts, aoption.WithResponseInto(&raw))...)
	if err != nil {
		return anthropic.Message{}, nil, err
	}
	return *m, raw.Header, nil
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

// anthropicReply reads a message into a reply: the tool calls are its
// tool_use blocks.
func anthropicReply(m anthropic.Message, h http.Header) reply {
	r := reply{id: m.ID, role: string(m.Role), text: messageText(m), finish: string(m.StopReason),
		inputTokens: m.Usage.InputTokens, outputTokens: m.Usage.OutputTokens, headers: h}
	for _, c := range m.Content {
		if c.Type == "tool_use" {
			r.calls = append(r.calls, toolCall{id: c.ID, typ: c.Type, name: c.Name, args: string(c.Input)})
		}
	}
	return r
}

// anthropicSend is the sdk's send. A tool's result goes back in a
// tool_result block, with tool_choice "none".
func anthropicSend(e *env, fc face, r request) (reply, error) {
	client := fc.anthropic(e, r.route)
	p := buildParams(r, anthropicParams, anthropicJSONParams, anthropicToolParams)
	m, h, err := anthropicMessage(client, p, r.stream, headerOptions(r.headers, aoption.WithHeader)...)
	rep := anthropicReply(m, h)
	rep.toolResult = func(id, result string) (reply, error) {
		p.Messages = append(p.Messages, m.ToParam(),
			anthropic.NewUserMessage(anthropic.NewToolResultBlock(id, result, false)))
		p.ToolChoice = anthropic.ToolChoiceUnionParam{OfNone: &anthropic.ToolChoiceNoneParam{}}
		next, h, err := anthropicMessage(client, p, false)
		return anthropicReply(next, h), err
	}
	return rep, err
}

// anthropicAPIError is the sdk's apiError: *anthropic.Error.
func anthropicAPIError(err error) (apiError, bool) {
	return asAPIError(err, func(e *anthropic.Error) apiError {
		return apiError{status: e.StatusCode, typ: string(e.Type()), response: e.Response, raw: e.RawJSON()}
	})
}

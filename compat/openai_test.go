package compat_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/openai/openai-go/v3"
	ooption "github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

// openaiSDK is openai-go as the cases written once drive it.
var openaiSDK = sdk{
	dialect: "openai", errorType: "*openai.Error",
	stop: "stop", toolStop: "tool_calls", toolType: "function",
	send: openaiSend, apiError: openaiAPIError,
}

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
	acc := openai.ChatCompletionAccumulator{}
	err := drain(client.Chat.Completions.NewStreaming(context.Background(), p, opts...), func(c openai.ChatCompletionChunk) error {
		acc.AddChunk(c)
		return nil
	})
	return acc, headerOf(raw), err
}

// openaiComplete sends p, streaming or not, and returns the completion
// (what the accumulator built, for a stream) and the response headers.
func openaiComplete(client openai.Client, p openai.ChatCompletionNewParams, stream bool, opts ...ooption.RequestOption) (openai.ChatCompletion, http.Header, error) {
	if stream {
		acc, h, err := openaiStream(client, p, opts...)
		return acc.ChatCompletion, h, err
	}
	var raw *http.Response
	c, err := client.Chat.Completions.New(context.Background(), p, append(opts, ooption.WithResponseInto(&raw))...)
	if err != nil {
		return openai.ChatCompletion{}, nil, err
	}
	return *c, raw.Header, nil
}

// openaiReply reads a completion into a reply.
func openaiReply(c openai.ChatCompletion, h http.Header) reply {
	r := reply{id: c.ID, inputTokens: c.Usage.PromptTokens, outputTokens: c.Usage.CompletionTokens, headers: h}
	if len(c.Choices) > 0 {
		ch := c.Choices[0]
		r.role, r.text, r.finish = string(ch.Message.Role), ch.Message.Content, ch.FinishReason
		for _, call := range ch.Message.ToolCalls {
			r.calls = append(r.calls, toolCall{id: call.ID, typ: call.Type, name: call.Function.Name, args: call.Function.Arguments})
		}
	}
	return r
}

// openaiSend is the sdk's send: an answer must hold exactly one choice.
// A tool's result goes back in a tool message, with tool_choice "none".
func openaiSend(e *env, fc face, r request) (reply, error) {
	client := fc.openai(e, r.route)
	p := buildParams(r, openaiParams, openaiJSONParams, openaiToolParams)
	c, h, err := openaiComplete(client, p, r.stream, headerOptions(r.headers, ooption.WithHeader)...)
	if err == nil && len(c.Choices) != 1 {
		err = fmt.Errorf("%d choices, want 1", len(c.Choices))
	}
	rep := openaiReply(c, h)
	rep.toolResult = func(id, result string) (reply, error) {
		p.Messages = append(p.Messages, c.Choices[0].Message.ToParam(), openai.ToolMessage(result, id))
		p.ToolChoice = openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("none")}
		next, h, err := openaiComplete(client, p, false)
		return openaiReply(next, h), err
	}
	return rep, err
}

// openaiAPIError is the sdk's apiError: *openai.Error.
func openaiAPIError(err error) (apiError, bool) {
	return asAPIError(err, func(e *openai.Error) apiError {
		return apiError{status: e.StatusCode, typ: e.Type, response: e.Response, raw: e.RawJSON()}
	})
}

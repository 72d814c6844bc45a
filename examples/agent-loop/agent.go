package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/lifelinehq/lifeline"
)

// agent is the loop: ask the model, run the tools it calls, send their
// results back, until it answers in text or the steps run out.
type agent struct {
	client openai.Client
	model  string
	steps  int
	out    io.Writer
}

// weatherTool is the one tool the agent offers.
var weatherTool = openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
	Name:        "get_weather",
	Description: openai.String("Current weather of a city."),
	Parameters: shared.FunctionParameters{
		"type": "object",
		"properties": map[string]any{
			"city": map[string]any{"type": "string", "description": "City name, e.g. Paris"},
		},
		"required":             []string{"city"},
		"additionalProperties": false,
	},
})

// run runs the loop under ctx, whose deadline bounds every step.
func (a agent) run(ctx context.Context) error {
	start := time.Now()
	params := openai.ChatCompletionNewParams{
		Model: a.model,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("You plan outings. Check the weather with get_weather before you answer."),
			openai.UserMessage("Should we have a picnic in Paris this afternoon?"),
		},
		Tools: []openai.ChatCompletionToolUnionParam{weatherTool},
	}
	for step := 1; step <= a.steps; step++ {
		if step == a.steps {
			// The last call must answer: no more tools.
			params.ToolChoice = openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("none")}
		}
		var raw *http.Response
		c, err := a.client.Chat.Completions.New(ctx, params, option.WithResponseInto(&raw))
		if err != nil {
			return a.explain(step, start, err)
		}
		fmt.Fprintf(a.out, "step %d: served by %s after %s attempt(s); %s left\n", step,
			raw.Header.Get(lifeline.HeaderTarget), raw.Header.Get(lifeline.HeaderAttempts), remaining(ctx))
		msg := c.Choices[0].Message
		if len(msg.ToolCalls) == 0 {
			fmt.Fprintf(a.out, "final answer after %d step(s) in %s: %s\n", step, time.Since(start).Round(time.Millisecond), msg.Content)
			return nil
		}
		params.Messages = append(params.Messages, msg.ToParam())
		for _, call := range msg.ToolCalls {
			result := runTool(call.Function.Name, call.Function.Arguments)
			fmt.Fprintf(a.out, "  tool %s(%s) = %s\n", call.Function.Name, call.Function.Arguments, result)
			params.Messages = append(params.Messages, openai.ToolMessage(result, call.ID))
		}
	}
	return fmt.Errorf("no answer after %d steps", a.steps)
}

// explain turns a failed step into an error that says what happened.
func (a agent) explain(step int, start time.Time, err error) error {
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		return fmt.Errorf("step %d failed after %s: %d %s: %s", step, time.Since(start).Round(time.Millisecond),
			apiErr.StatusCode, apiErr.Type, apiErr.Message)
	}
	return fmt.Errorf("step %d failed after %s: %w", step, time.Since(start).Round(time.Millisecond), err)
}

// runTool runs a tool call locally and returns its result as JSON.
func runTool(name, args string) string {
	if name != "get_weather" {
		return `{"error":"unknown tool"}`
	}
	var in struct {
		City string `json:"city"`
	}
	if err := json.Unmarshal([]byte(args), &in); err != nil {
		return `{"error":"arguments are not JSON"}`
	}
	out, _ := json.Marshal(map[string]any{"city": in.City, "temperature_c": 21, "conditions": "sunny"})
	return string(out)
}

// remaining is what is left of ctx's deadline.
func remaining(ctx context.Context) time.Duration {
	d, ok := ctx.Deadline()
	if !ok {
		return 0
	}
	return time.Until(d).Round(time.Millisecond)
}

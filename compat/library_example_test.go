package compat_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/anthropics/anthropic-sdk-go/v2"
	aoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	ooption "github.com/openai/openai-go/v3/option"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/mock"
	"github.com/lifelinehq/lifeline/validate"
)

// exampleProviders starts two mock providers: a primary that always
// answers with the given fault and a clean backup.
func exampleProviders(fault mock.Fault) (primary, backup *lifeline.Provider, stop func()) {
	a, err := mock.Listen("127.0.0.1:0", mock.Config{Text: "Hello from the primary."})
	if err != nil {
		panic(err)
	}
	b, err := mock.Listen("127.0.0.1:0", mock.Config{Text: "Hello from the backup."})
	if err != nil {
		panic(err)
	}
	primary = &lifeline.Provider{Name: "anthropic", Kind: lifeline.Anthropic, BaseURL: a.URL,
		Header: http.Header{"X-Mock-Fault": {string(fault)}}}
	backup = &lifeline.Provider{Name: "openai", Kind: lifeline.OpenAI, BaseURL: b.URL + "/v1"}
	return primary, backup, func() { a.Close(); b.Close() }
}

// anthropic-sdk-go over lifeline's RoundTripper (docs/library.md): the
// primary is overloaded, the OpenAI-dialect backup serves, and the SDK sees
// an Anthropic message.
func Example_anthropicSDKOverTransport() {
	primary, backup, stop := exampleProviders(mock.Overloaded)
	defer stop()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	engine := lifeline.New(lifeline.WithHTTPClient(&http.Client{Transport: tr}))
	route, err := engine.NewRoute("smart", []lifeline.Target{
		{Provider: primary, Model: "claude-sonnet-4-5"},
		{Provider: backup, Model: "gpt-4.1"},
	}, lifeline.WithMaxAttempts(2))
	if err != nil {
		panic(err)
	}
	claude := anthropic.NewClient(
		aoption.WithHTTPClient(&http.Client{Transport: engine.Transport(route)}),
		aoption.WithBaseURL("http://lifeline.invalid"),
		aoption.WithAPIKey("unused"),
		aoption.WithMaxRetries(0),
	)
	var raw *http.Response
	msg, err := claude.Messages.New(context.Background(), anthropic.MessageNewParams{
		Model: "smart", MaxTokens: 1024,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Hello"))},
	}, aoption.WithResponseInto(&raw))
	if err != nil {
		panic(err)
	}
	fmt.Println(msg.Content[0].Text, msg.StopReason)
	fmt.Println(raw.Header.Get(lifeline.HeaderTarget), raw.Header.Get(lifeline.HeaderAttempts))
	// Output:
	// Hello from the backup. end_turn
	// openai/gpt-4.1 2
}

// A lifeline error through openai-go (docs/library.md): every target
// fails, the SDK returns *openai.Error with lifeline's status and type.
func Example_openaiTypedError() {
	primary, backup, stop := exampleProviders(mock.ServerError)
	defer stop()
	backup.Header = http.Header{"X-Mock-Fault": {"server_error"}}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	engine := lifeline.New(lifeline.WithHTTPClient(&http.Client{Transport: tr}))
	route, err := engine.NewRoute("smart", []lifeline.Target{
		{Provider: primary, Model: "claude-sonnet-4-5"},
		{Provider: backup, Model: "gpt-4.1"},
	}, lifeline.WithMaxAttempts(2), lifeline.WithAction(classify.Transient, lifeline.Next))
	if err != nil {
		panic(err)
	}
	client := openai.NewClient(
		ooption.WithHTTPClient(&http.Client{Transport: engine.Transport(route)}),
		ooption.WithBaseURL("http://lifeline.invalid/v1"),
		ooption.WithAPIKey("unused"),
		ooption.WithMaxRetries(0),
	)
	_, err = client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    "smart",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello")},
	})
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Type, apiErr.Response.Header.Get("X-Should-Retry"))
	}
	// Output:
	// 503 upstream_unavailable false
}

// The typed API with validation (docs/library.md): an OpenAI-dialect
// json_object request. The Anthropic-dialect primary has no JSON mode and
// answers in text, which the route refuses; the backup answers JSON.
func Example_typedAPIWithValidation() {
	primary, backup, stop := exampleProviders(mock.None)
	defer stop()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	var events []string
	engine := lifeline.New(lifeline.WithHTTPClient(&http.Client{Transport: tr}),
		lifeline.WithObserver(func(ev lifeline.Event) {
			if ev.Kind == lifeline.ValidationFailed {
				events = append(events, ev.Target+" failed "+ev.Validator)
			}
		}))
	route, err := engine.NewRoute("extract", []lifeline.Target{
		{Provider: primary, Model: "claude-sonnet-4-5"},
		{Provider: backup, Model: "gpt-4.1"},
	}, lifeline.WithValidation(validate.Spec{JSON: true, NonEmpty: true}))
	if err != nil {
		panic(err)
	}
	resp, err := engine.Do(context.Background(), route, &lifeline.Request{
		Dialect: lifeline.OpenAI,
		Body:    []byte(`{"model":"extract","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"Hello"}]}`),
	})
	if err != nil {
		var le *lifeline.Error
		if errors.As(err, &le) {
			for _, a := range le.Attempts {
				fmt.Println(a.Target, a.Status, a.Class, a.Err)
			}
		}
		return
	}
	fmt.Println("served by", resp.Target, "after", len(resp.Attempts), "attempts")
	for _, e := range events {
		fmt.Println(e)
	}
	// Output:
	// served by openai/gpt-4.1 after 2 attempts
	// anthropic/claude-sonnet-4-5 failed json
}

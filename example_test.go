package lifeline_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/backoff"
)

// fakeProvider stands in for a model API: it answers with status and body.
func fakeProvider(status int, body string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
}

// The typed API: run a request through a route whose first target is
// overloaded. The 529 moves the request to the second target at once.
func ExampleEngine_Do() {
	busy := fakeProvider(529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)
	defer busy.Close()
	backup := fakeProvider(200, `{"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"Hi!"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":2}}`)
	defer backup.Close()

	engine := lifeline.New()
	route, err := engine.NewRoute("chat", []lifeline.Target{
		{Provider: &lifeline.Provider{Name: "primary", Kind: lifeline.Anthropic, BaseURL: busy.URL, APIKey: "sk-ant-…"}, Model: "claude-sonnet-4-5"},
		{Provider: &lifeline.Provider{Name: "backup", Kind: lifeline.Anthropic, BaseURL: backup.URL, APIKey: "sk-ant-…"}, Model: "claude-haiku-4-5"},
	})
	if err != nil {
		panic(err)
	}
	resp, err := engine.Do(context.Background(), route, &lifeline.Request{
		Dialect: lifeline.Anthropic,
		Body:    []byte(`{"model":"chat","max_tokens":100,"messages":[{"role":"user","content":"Hello"}]}`),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("served by", resp.Target)
	for _, a := range resp.Attempts {
		fmt.Println(a.Target, a.Status, a.Class)
	}
	// Output:
	// served by backup/claude-haiku-4-5
	// primary/claude-sonnet-4-5 529 overloaded
	// backup/claude-haiku-4-5 200 ok
}

// The RoundTripper face: the official openai-go client with lifeline's
// Transport. The client's base URL does not matter; the route decides where
// requests go. The SDK's own retries are off: lifeline retries.
func ExampleEngine_Transport() {
	broken := fakeProvider(500, `{"error":{"message":"The server had an error","type":"server_error","code":null}}`)
	defer broken.Close()
	healthy := fakeProvider(200, `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4.1-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the backup."},"finish_reason":"stop"}]}`)
	defer healthy.Close()

	engine := lifeline.New()
	route, err := engine.NewRoute("chat", []lifeline.Target{
		{Provider: &lifeline.Provider{Name: "openai", Kind: lifeline.OpenAI, BaseURL: broken.URL + "/v1", APIKey: "sk-…"}, Model: "gpt-4.1"},
		{Provider: &lifeline.Provider{Name: "local", Kind: lifeline.OpenAI, BaseURL: healthy.URL + "/v1"}, Model: "gpt-4.1-mini"},
	}, lifeline.WithMaxAttempts(2))
	if err != nil {
		panic(err)
	}
	client := openai.NewClient(
		option.WithHTTPClient(&http.Client{Transport: engine.Transport(route)}),
		option.WithBaseURL("http://lifeline.local/v1"),
		option.WithAPIKey("unused"),
		option.WithMaxRetries(0),
	)
	var raw *http.Response
	completion, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    "chat",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello")},
	}, option.WithResponseInto(&raw))
	if err != nil {
		panic(err)
	}
	fmt.Println(completion.Choices[0].Message.Content)
	fmt.Println("target:", raw.Header.Get("X-Lifeline-Target"), "attempts:", raw.Header.Get("X-Lifeline-Attempts"))
	// Output:
	// Hello from the backup.
	// target: local/gpt-4.1-mini attempts: 3
}

// A request nothing served: the error matches a sentinel with errors.Is
// and, as an *Error, lists every attempt and the status and error type a
// gateway would answer with.
func ExampleError() {
	down := fakeProvider(500, `{"error":{"message":"The server had an error","type":"server_error","code":null}}`)
	defer down.Close()

	engine := lifeline.New()
	route, err := engine.NewRoute("chat", []lifeline.Target{
		{Provider: &lifeline.Provider{Name: "openai", Kind: lifeline.OpenAI, BaseURL: down.URL + "/v1"}, Model: "gpt-4.1"},
	}, lifeline.WithMaxAttempts(2), lifeline.WithBackoff(backoff.Policy{Base: time.Millisecond}))
	if err != nil {
		panic(err)
	}
	_, err = engine.Do(context.Background(), route, &lifeline.Request{
		Dialect: lifeline.OpenAI,
		Body:    []byte(`{"model":"chat","messages":[{"role":"user","content":"Hello"}]}`),
	})
	fmt.Println(errors.Is(err, lifeline.ErrUpstreamUnavailable))
	var le *lifeline.Error
	if errors.As(err, &le) {
		fmt.Println(le.Status, le.Code)
		for _, a := range le.Attempts {
			fmt.Println(a.Target, a.Status, a.Class)
		}
	}
	// Output:
	// true
	// 503 upstream_unavailable
	// openai/gpt-4.1 500 transient
	// openai/gpt-4.1 500 transient
}

// A streamed answer: the request asks for a stream, and Response.Stream
// yields its events, framed as server-sent events in the request's
// dialect, until io.EOF. The caller closes it.
func ExampleStream() {
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n"+
			"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi!\"}}]}\n\n"+
			"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"+
			"data: [DONE]\n\n")
	}))
	defer provider.Close()

	engine := lifeline.New()
	route, err := engine.NewRoute("chat", []lifeline.Target{
		{Provider: &lifeline.Provider{Name: "openai", Kind: lifeline.OpenAI, BaseURL: provider.URL + "/v1"}, Model: "gpt-4.1"},
	})
	if err != nil {
		panic(err)
	}
	resp, err := engine.Do(context.Background(), route, &lifeline.Request{
		Dialect: lifeline.OpenAI,
		Body:    []byte(`{"model":"chat","stream":true,"messages":[{"role":"user","content":"Hello"}]}`),
	})
	if err != nil {
		panic(err)
	}
	defer resp.Stream.Close()
	for {
		events, err := resp.Stream.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println("stream failed:", err) // the client got an error event last
			return
		}
		fmt.Print(string(events))
	}
	// Output:
	// data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant"}}]}
	//
	// data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi!"}}]}
	//
	// data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}
	//
	// data: [DONE]
}

package lifeline_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/lifelinehq/lifeline"
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

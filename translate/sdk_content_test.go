package translate

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/packages/param"
	"github.com/openai/openai-go/v3"

	"github.com/lifelinehq/lifeline/wire"
)

const samplePDF = "JVBERi0xLjQKJcOkw7zDtsOf" // "%PDF-1.4\n%äüöß"

// sentBlock returns the JSON of content element k of message i of a
// translated request.
func sentBlock(t *testing.T, req map[string]any, i, k int) string {
	t.Helper()
	msgs, _ := req["messages"].([]any)
	if len(msgs) <= i {
		t.Fatalf("no message %d in %v", i, req)
	}
	content, _ := msgs[i].(map[string]any)["content"].([]any)
	if len(content) <= k {
		t.Fatalf("no content element %d in message %v", k, msgs[i])
	}
	b, _ := json.Marshal(content[k])
	return string(b)
}

// sdkJSON is the JSON an SDK sends for v, with keys in encoding/json's order.
func sdkJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(m)
	return string(b)
}

// A PDF sent by the OpenAI SDK as a file part reaches an Anthropic upstream
// as the document block the Anthropic SDK builds for it.
func TestOpenAISDKFilePartReachesAnthropicAsDocument(t *testing.T) {
	block := anthropic.NewDocumentBlock(anthropic.Base64PDFSourceParam{Data: samplePDF})
	block.OfDocument.Title = param.NewOpt("q2.pdf")
	want := sdkJSON(t, block)
	var got string
	srv := translatingServer(t, wire.OpenAI, wire.Anthropic, serveFile(t, 200, "response/anthropic-to-openai/tool-use.in.json",
		func(req map[string]any) { got = sentBlock(t, req, 0, 1) }))
	client := openAIClient(srv.URL)
	_, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "route", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage([]openai.ChatCompletionContentPartUnionParam{
			openai.TextContentPart("Summarise."),
			openai.FileContentPart(openai.ChatCompletionContentPartFileFileParam{
				Filename: openai.String("q2.pdf"), FileData: openai.String("data:application/pdf;base64," + samplePDF)}),
		})},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("document block\n got: %s\nwant: %s", got, want)
	}
}

// A PDF document block sent by the Anthropic SDK reaches an OpenAI upstream
// as the file part the OpenAI SDK builds for it.
func TestAnthropicSDKDocumentReachesOpenAIAsFilePart(t *testing.T) {
	want := sdkJSON(t, openai.FileContentPart(openai.ChatCompletionContentPartFileFileParam{
		Filename: openai.String("q2.pdf"), FileData: openai.String("data:application/pdf;base64," + samplePDF)}))
	var got string
	srv := translatingServer(t, wire.Anthropic, wire.OpenAI, serveFile(t, 200, "response/openai-to-anthropic/tool-calls.in.json",
		func(req map[string]any) { got = sentBlock(t, req, 0, 0) }))
	client := anthropicClient(srv.URL)
	doc := anthropic.NewDocumentBlock(anthropic.Base64PDFSourceParam{Data: samplePDF})
	doc.OfDocument.Title = param.NewOpt("q2.pdf")
	_, err := client.Messages.New(context.Background(), anthropic.MessageNewParams{
		Model: "route", MaxTokens: 100,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(doc, anthropic.NewTextBlock("Summarise."))},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("file part\n got: %s\nwant: %s", got, want)
	}
}

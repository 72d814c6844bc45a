package lifeline_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	aoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	ooption "github.com/openai/openai-go/v3/option"
)

// countingTransport counts the requests an SDK hands to its transport: the
// SDK's own attempts.
type countingTransport struct {
	next  http.RoundTripper
	calls int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.calls++
	return c.next.RoundTrip(r)
}

func openaiClient(f *fixture, ct *countingTransport) openai.Client {
	ct.next = f.engine.Transport(f.route)
	return openai.NewClient(
		ooption.WithHTTPClient(&http.Client{Transport: ct}),
		ooption.WithBaseURL("http://lifeline.invalid/v1"),
		ooption.WithAPIKey("unused"),
		ooption.WithMaxRetries(0),
	)
}

func anthropicClient(f *fixture, ct *countingTransport) anthropic.Client {
	ct.next = f.engine.Transport(f.route)
	return anthropic.NewClient(
		aoption.WithHTTPClient(&http.Client{Transport: ct}),
		aoption.WithBaseURL("http://lifeline.invalid"),
		aoption.WithAPIKey("unused"),
		aoption.WithMaxRetries(0),
	)
}

var (
	openaiParams = openai.ChatCompletionNewParams{
		Model:    "route",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
	}
	anthropicParams = anthropic.MessageNewParams{
		Model: "route", MaxTokens: 64,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
	}
)

func TestSDKOverTransportOverloadedServedBySecondTarget(t *testing.T) {
	t.Run("openai-go", func(t *testing.T) {
		a := newUpstream(t, openaiD.Overloaded)
		b := newUpstream(t, openaiD.Good(false))
		f := newFixture(t, openaiD, []string{a.URL, b.URL})
		ct := &countingTransport{}
		var raw *http.Response
		client := openaiClient(f, ct)
		c, err := client.Chat.Completions.New(context.Background(), openaiParams, ooption.WithResponseInto(&raw))
		if err != nil {
			t.Fatal(err)
		}
		if c.Choices[0].Message.Content != "hello" || ct.calls != 1 || a.Count() != 1 || b.Count() != 1 {
			t.Fatalf("content %q, sdk calls %d, upstream a %d b %d", c.Choices[0].Message.Content, ct.calls, a.Count(), b.Count())
		}
		if raw.Header.Get("X-Lifeline-Target") != "p1/m1" || raw.Header.Get("X-Lifeline-Attempts") != "2" {
			t.Fatalf("headers %v", raw.Header)
		}
	})
	t.Run("anthropic-sdk-go", func(t *testing.T) {
		a := newUpstream(t, anthropicD.Overloaded)
		b := newUpstream(t, anthropicD.Good(false))
		f := newFixture(t, anthropicD, []string{a.URL, b.URL})
		ct := &countingTransport{}
		client := anthropicClient(f, ct)
		m, err := client.Messages.New(context.Background(), anthropicParams)
		if err != nil {
			t.Fatal(err)
		}
		if m.Content[0].Text != "hello" || ct.calls != 1 || a.Count() != 1 || b.Count() != 1 {
			t.Fatalf("content %+v, sdk calls %d, upstream a %d b %d", m.Content, ct.calls, a.Count(), b.Count())
		}
	})
}

// badReqWithID is a dialect's 400 with the provider's request id header.
func badReqWithID(d dialect, name, id string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(name, id)
		d.BadReq(w, r)
	}
}

// A rejected request is returned once, with no retry and no fallback, and
// with the provider's own headers: its request id reaches the SDK's error.
func TestSDKOverTransportRejectedOnceWithoutRetry(t *testing.T) {
	t.Run("openai-go", func(t *testing.T) {
		a := newUpstream(t, badReqWithID(openaiD, "x-request-id", "req_oa_42"))
		b := newUpstream(t, openaiD.Good(false))
		f := newFixture(t, openaiD, []string{a.URL, b.URL})
		ct := &countingTransport{}
		// Default SDK retries: lifeline's x-should-retry: false must hold them back.
		client := openaiClient(f, ct)
		_, err := client.Chat.Completions.New(context.Background(), openaiParams, ooption.WithMaxRetries(2))
		var apiErr *openai.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
			t.Fatalf("err = %v", err)
		}
		if ct.calls != 1 || a.Count() != 1 || b.Count() != 0 {
			t.Fatalf("sdk calls %d, upstream a %d b %d", ct.calls, a.Count(), b.Count())
		}
		if id := apiErr.Response.Header.Get("x-request-id"); id != "req_oa_42" {
			t.Fatalf("x-request-id %q, want the provider's", id)
		}
	})
	t.Run("anthropic-sdk-go", func(t *testing.T) {
		a := newUpstream(t, badReqWithID(anthropicD, "request-id", "req_an_42"))
		b := newUpstream(t, anthropicD.Good(false))
		f := newFixture(t, anthropicD, []string{a.URL, b.URL})
		ct := &countingTransport{}
		client := anthropicClient(f, ct)
		_, err := client.Messages.New(context.Background(), anthropicParams, aoption.WithMaxRetries(2))
		var apiErr *anthropic.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
			t.Fatalf("err = %v", err)
		}
		if ct.calls != 1 || a.Count() != 1 || b.Count() != 0 {
			t.Fatalf("sdk calls %d, upstream a %d b %d", ct.calls, a.Count(), b.Count())
		}
		if apiErr.RequestID != "req_an_42" {
			t.Fatalf("RequestID %q, want the provider's", apiErr.RequestID)
		}
	})
}

func TestSDKOverTransportStreams(t *testing.T) {
	t.Run("openai-go", func(t *testing.T) {
		a := newUpstream(t, openaiD.Overloaded)
		b := newUpstream(t, openaiD.Good(true))
		f := newFixture(t, openaiD, []string{a.URL, b.URL})
		ct := &countingTransport{}
		client := openaiClient(f, ct)
		s := client.Chat.Completions.NewStreaming(context.Background(), openaiParams)
		acc := openai.ChatCompletionAccumulator{}
		for s.Next() {
			acc.AddChunk(s.Current())
		}
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
		if got := acc.Choices[0].Message.Content; got != "hello" {
			t.Fatalf("accumulated %q", got)
		}
	})
	t.Run("anthropic-sdk-go", func(t *testing.T) {
		a := newUpstream(t, anthropicD.Overloaded)
		b := newUpstream(t, anthropicD.Good(true))
		f := newFixture(t, anthropicD, []string{a.URL, b.URL})
		ct := &countingTransport{}
		client := anthropicClient(f, ct)
		s := client.Messages.NewStreaming(context.Background(), anthropicParams)
		var m anthropic.Message
		for s.Next() {
			if err := m.Accumulate(s.Current()); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
		if m.Content[0].Text != "hello" || m.StopReason != "end_turn" {
			t.Fatalf("accumulated %+v", m)
		}
	})
}

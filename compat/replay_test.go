package compat_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	aoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	ooption "github.com/openai/openai-go/v3/option"
)

// TestIdempotentReplay: an agent that repeats a request with the same
// Idempotency-Key (after a timeout, say) gets the first answer again from
// the gateway, streams included, and the SDK parses the replay like the
// original. The provider is called once.
func TestIdempotentReplay(t *testing.T) {
	e := newEnv(t)
	fc := faces[0]
	for _, stream := range []bool{false, true} {
		t.Run("openai"+streamName(stream), func(t *testing.T) {
			m := e.mark(fc)
			client := fc.openai(e, "")
			key := ooption.WithHeader("Idempotency-Key", "compat-openai"+streamName(stream))
			var texts, replayed [2]string
			for i := range texts {
				if stream {
					acc, h, err := openaiStream(client, openaiParams("openai"), key)
					if err != nil {
						t.Fatal(err)
					}
					texts[i], replayed[i] = acc.Choices[0].Message.Content, h.Get("Idempotent-Replayed")
					continue
				}
				var raw *http.Response
				c, err := client.Chat.Completions.New(context.Background(), openaiParams("openai"), key, ooption.WithResponseInto(&raw))
				if err != nil {
					t.Fatal(err)
				}
				texts[i], replayed[i] = c.Choices[0].Message.Content, raw.Header.Get("Idempotent-Replayed")
			}
			if texts[0] != textOf("openai-a") || texts[1] != texts[0] || replayed != [2]string{"", "true"} {
				t.Fatalf("answers %q, Idempotent-Replayed %q", texts, replayed)
			}
			m.want(t, 2, map[string]uint64{"openai-a": 1})
		})
		t.Run("anthropic"+streamName(stream), func(t *testing.T) {
			m := e.mark(fc)
			client := fc.anthropic(e, "")
			key := aoption.WithHeader("Idempotency-Key", "compat-anthropic"+streamName(stream))
			var texts, replayed [2]string
			for i := range texts {
				if stream {
					msg, h, err := anthropicStream(client, anthropicParams("anthropic"), key)
					if err != nil {
						t.Fatal(err)
					}
					texts[i], replayed[i] = messageText(msg), h.Get("Idempotent-Replayed")
					continue
				}
				var raw *http.Response
				msg, err := client.Messages.New(context.Background(), anthropicParams("anthropic"), key, aoption.WithResponseInto(&raw))
				if err != nil {
					t.Fatal(err)
				}
				texts[i], replayed[i] = messageText(*msg), raw.Header.Get("Idempotent-Replayed")
			}
			if texts[0] != textOf("anthropic-a") || texts[1] != texts[0] || replayed != [2]string{"", "true"} {
				t.Fatalf("answers %q, Idempotent-Replayed %q", texts, replayed)
			}
			m.want(t, 2, map[string]uint64{"anthropic-a": 1})
		})
	}
}

// TestRetryAfterNotMultiplied: a rate limit whose hint is longer than
// retry.max_wait moves on at once; on a one-target route the client gets
// 503 upstream_unavailable with Retry-After. The SDKs honour Retry-After
// when they retry, but x-should-retry: false stops them: one request, one
// upstream call.
func TestRetryAfterNotMultiplied(t *testing.T) {
	eachFace(t, func(t *testing.T, e *env, fc face) {
		hint := []string{"X-Mock-Fault", "rate_limit", "X-Mock-Fault-Arg", "retry-after:10s"}
		t.Run("openai", func(t *testing.T) {
			m := e.mark(fc)
			client := fc.openai(e, "solo-openai")
			_, err := client.Chat.Completions.New(context.Background(), openaiParams("solo-openai"),
				ooption.WithHeader(hint[0], hint[1]), ooption.WithHeader(hint[2], hint[3]))
			var apiErr *openai.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Type != "upstream_unavailable" {
				t.Fatalf("error %v, want a 503 upstream_unavailable", err)
			}
			checkRetryAfter(t, apiErr.Response.Header)
			m.want(t, 1, map[string]uint64{"openai-a": 1})
		})
		t.Run("anthropic", func(t *testing.T) {
			m := e.mark(fc)
			client := fc.anthropic(e, "solo-anthropic")
			_, err := client.Messages.New(context.Background(), anthropicParams("solo-anthropic"),
				aoption.WithHeader(hint[0], hint[1]), aoption.WithHeader(hint[2], hint[3]))
			var apiErr *anthropic.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Type() != "upstream_unavailable" {
				t.Fatalf("error %v, want a 503 upstream_unavailable", err)
			}
			checkRetryAfter(t, apiErr.Response.Header)
			m.want(t, 1, map[string]uint64{"anthropic-a": 1})
		})
	})
}

// checkRetryAfter fails the test unless the headers hold a Retry-After of
// a few seconds (the provider asked for 10s) and x-should-retry: false.
func checkRetryAfter(t *testing.T, h http.Header) {
	t.Helper()
	secs, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 10 || h.Get("X-Should-Retry") != "false" {
		t.Fatalf("Retry-After %q, x-should-retry %q: want 1..10 and false", h.Get("Retry-After"), h.Get("X-Should-Retry"))
	}
}

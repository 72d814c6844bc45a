package wire_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
)

func TestParseError(t *testing.T) {
	tests := []struct {
		name string
		body string
		want wire.UpstreamError
		ok   bool
	}{
		{
			name: "openai code string",
			body: `{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`,
			want: wire.UpstreamError{Type: "insufficient_quota", Code: "insufficient_quota", Message: "You exceeded your current quota, please check your plan and billing details."},
			ok:   true,
		},
		{
			name: "openai code null",
			body: `{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}`,
			want: wire.UpstreamError{Type: "server_error", Message: "The server had an error while processing your request. Sorry about that!"},
			ok:   true,
		},
		{
			name: "openai code absent",
			body: `{"error":{"message":"m","type":"invalid_request_error"}}`,
			want: wire.UpstreamError{Type: "invalid_request_error", Message: "m"},
			ok:   true,
		},
		{
			name: "openai-compatible numeric code",
			body: `{"error":{"message":"Rate limit exceeded","type":"rate_limit","code":429}}`,
			want: wire.UpstreamError{Type: "rate_limit", Code: "429", Message: "Rate limit exceeded"},
			ok:   true,
		},
		{
			name: "openai context length",
			body: `{"error":{"message":"This model's maximum context length is 128000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`,
			want: wire.UpstreamError{Type: "invalid_request_error", Code: "context_length_exceeded", Message: "This model's maximum context length is 128000 tokens."},
			ok:   true,
		},
		{
			name: "openai escaped code",
			body: `{"error":{"message":"a \"quoted\" word\n","type":"t","code":"rate_limit_exceeded\u0021"}}`,
			want: wire.UpstreamError{Type: "t", Code: "rate_limit_exceeded!", Message: "a \"quoted\" word\n"},
			ok:   true,
		},
		{
			name: "anthropic overloaded with request id",
			body: `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}`,
			want: wire.UpstreamError{Type: "overloaded_error", Message: "Overloaded", RequestID: "req_011CSHoEeqs5C35K2UUqR7Fy"},
			ok:   true,
		},
		{
			name: "anthropic spend limit details",
			body: `{"type":"error","error":{"type":"rate_limit_error","message":"You have reached your spend limit.","details":{"error_code":"enforced_spend_limit_reached"}},"request_id":"req_018EeWyXxfu5pfWkrYcMdjWG"}`,
			want: wire.UpstreamError{Type: "rate_limit_error", Code: "enforced_spend_limit_reached", Message: "You have reached your spend limit.", RequestID: "req_018EeWyXxfu5pfWkrYcMdjWG"},
			ok:   true,
		},
		{
			name: "anthropic null details",
			body: `{"type":"error","error":{"type":"api_error","message":"Internal server error","details":null},"request_id":null}`,
			want: wire.UpstreamError{Type: "api_error", Message: "Internal server error"},
			ok:   true,
		},
		{
			name: "unknown fields tolerated",
			body: `{"type":"error","error":{"type":"future_error","message":"m","extra":{"a":[1,2]}},"trace":"x"}`,
			want: wire.UpstreamError{Type: "future_error", Message: "m"},
			ok:   true,
		},
		{name: "empty", body: ``},
		{name: "not JSON", body: `<html><body>502 Bad Gateway</body></html>`},
		{name: "no error member", body: `{"id":"chatcmpl-1","choices":[]}`},
		{name: "null error", body: `{"error":null}`},
		{name: "array", body: `[{"error":{"message":"m"}}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := wire.ParseError([]byte(tt.body))
			if ok != tt.ok || got != tt.want {
				t.Errorf("ParseError = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// decodeJSON decodes b, failing the test when b is not one valid JSON value.
func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("invalid JSON %q: %v", b, err)
	}
	return v
}

// messages that must survive JSON escaping.
var awkwardMessages = []string{
	"plain",
	"",
	`say "hi" \ back\slash`,
	"line one\nline two\r\n\ttabbed",
	"unicode é ü 日本 🙂 \u2028 \u2029",
	"control \x00 \x01 \x07 \x0b \x1b \x1f \x7f",
	"<script>&amp;</script>",
	"data: [DONE]\n\nevent: message_stop",
}

func TestErrorBodyShapes(t *testing.T) {
	extra := []byte(`{"route":"chat","attempts":[{"target":"openai/gpt-4o","status":429,"class":"rate_limited"}]}`)
	for _, msg := range awkwardMessages {
		for _, withExtra := range []bool{false, true} {
			var x []byte
			if withExtra {
				x = extra
			}
			t.Run(fmt.Sprintf("openai/%q/%v", msg, withExtra), func(t *testing.T) {
				got := decodeJSON(t, wire.ErrorBody(wire.OpenAI, "rate_limit_error", "rate_limit_exceeded", msg, x))
				want := map[string]any{"error": map[string]any{
					"message": msg, "type": "rate_limit_error", "param": nil, "code": "rate_limit_exceeded",
				}}
				if withExtra {
					want["lifeline"] = decodeJSON(t, extra)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("body decodes to %#v, want %#v", got, want)
				}
			})
			t.Run(fmt.Sprintf("anthropic/%q/%v", msg, withExtra), func(t *testing.T) {
				got := decodeJSON(t, wire.ErrorBody(wire.Anthropic, "overloaded_error", "ignored", msg, x))
				want := map[string]any{"type": "error", "error": map[string]any{
					"type": "overloaded_error", "message": msg,
				}}
				if withExtra {
					want["lifeline"] = decodeJSON(t, extra)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("body decodes to %#v, want %#v", got, want)
				}
			})
		}
	}
}

func TestErrorBodyOpenAINullCode(t *testing.T) {
	got := decodeJSON(t, wire.ErrorBody(wire.OpenAI, "server_error", "", "boom", nil))
	want := map[string]any{"error": map[string]any{"message": "boom", "type": "server_error", "param": nil, "code": nil}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("body decodes to %#v, want %#v", got, want)
	}
}

func TestErrorBodyAwkwardTypeAndCode(t *testing.T) {
	// Types and codes may come from an upstream body: they are escaped too.
	for _, s := range awkwardMessages {
		for _, d := range []wire.Dialect{wire.OpenAI, wire.Anthropic} {
			b := wire.ErrorBody(d, s, s, "m", nil)
			got, ok := wire.ParseError(b)
			if !ok || got.Type != s || got.Message != "m" || d == wire.OpenAI && got.Code != s {
				t.Errorf("%v: ParseError(ErrorBody(%q)) = %+v, %v", d, s, got, ok)
			}
		}
	}
}

func TestErrorBodyEmptyExtra(t *testing.T) {
	for _, d := range []wire.Dialect{wire.OpenAI, wire.Anthropic} {
		got := decodeJSON(t, wire.ErrorBody(d, "api_error", "", "m", []byte{}))
		if _, has := got.(map[string]any)["lifeline"]; has {
			t.Errorf("%v: an empty extra added a lifeline member: %#v", d, got)
		}
	}
}

func TestErrorBodyRoundTrip(t *testing.T) {
	for _, msg := range awkwardMessages {
		for _, d := range []wire.Dialect{wire.OpenAI, wire.Anthropic} {
			got, ok := wire.ParseError(wire.ErrorBody(d, "api_error", "server_error", msg, []byte(`{"a":1}`)))
			want := wire.UpstreamError{Type: "api_error", Message: msg}
			if d == wire.OpenAI {
				want.Code = "server_error"
			}
			if !ok || got != want {
				t.Errorf("%v: ParseError(ErrorBody(%q)) = %+v, %v; want %+v", d, msg, got, ok, want)
			}
		}
	}
}

func TestStreamErrorEvent(t *testing.T) {
	for _, msg := range awkwardMessages {
		t.Run(fmt.Sprintf("anthropic/%q", msg), func(t *testing.T) {
			frame := wire.StreamErrorEvent(wire.Anthropic, "overloaded_error", "", msg)
			ev := onlyEvent(t, frame)
			if string(ev.Name) != "error" {
				t.Errorf("event name %q, want error", ev.Name)
			}
			want := map[string]any{"type": "error", "error": map[string]any{"type": "overloaded_error", "message": msg}}
			if got := decodeJSON(t, ev.Data); !reflect.DeepEqual(got, want) {
				t.Errorf("data decodes to %#v, want %#v", got, want)
			}
			if k := wire.EventKind(wire.Anthropic, ev); k != wire.KindError {
				t.Errorf("EventKind = %v, want KindError", k)
			}
		})
		t.Run(fmt.Sprintf("openai/%q", msg), func(t *testing.T) {
			frame := wire.StreamErrorEvent(wire.OpenAI, "server_error", "", msg)
			if !strings.HasPrefix(string(frame), "data: {") || strings.Contains(string(frame), "[DONE]") && !strings.Contains(msg, "[DONE]") {
				t.Errorf("frame %q: want a single data line with the error and no [DONE]", frame)
			}
			ev := onlyEvent(t, frame)
			if len(ev.Name) != 0 {
				t.Errorf("event name %q, want none", ev.Name)
			}
			want := map[string]any{"error": map[string]any{"message": msg, "type": "server_error", "param": nil, "code": nil}}
			if got := decodeJSON(t, ev.Data); !reflect.DeepEqual(got, want) {
				t.Errorf("data decodes to %#v, want %#v", got, want)
			}
			if k := wire.EventKind(wire.OpenAI, ev); k != wire.KindError {
				t.Errorf("EventKind = %v, want KindError", k)
			}
		})
	}
}

// onlyEvent reads frame, which must hold exactly one complete event, and
// returns a copy of it.
func onlyEvent(t *testing.T, frame []byte) sse.Event {
	t.Helper()
	if !strings.HasSuffix(string(frame), "\n\n") {
		t.Fatalf("frame %q does not end with a blank line", frame)
	}
	r := sse.NewReader(strings.NewReader(string(frame)), 0)
	ev, err := r.Next()
	if err != nil {
		t.Fatalf("reading %q: %v", frame, err)
	}
	ev = sse.Event{Name: []byte(string(ev.Name)), Data: []byte(string(ev.Data)), Raw: []byte(string(ev.Raw))}
	if string(ev.Raw) != string(frame) {
		t.Errorf("frame %q holds more than one event", frame)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("after the event: %v, want io.EOF", err)
	}
	return ev
}

func ExampleErrorBody() {
	fmt.Printf("%s\n", wire.ErrorBody(wire.OpenAI, "rate_limit_error", "upstream_unavailable", `all targets failed: "429"`, nil))
	fmt.Printf("%s\n", wire.ErrorBody(wire.Anthropic, "overloaded_error", "", "Overloaded", []byte(`{"attempts":2}`)))
	// Output:
	// {"error":{"message":"all targets failed: \"429\"","type":"rate_limit_error","param":null,"code":"upstream_unavailable"}}
	// {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"lifeline":{"attempts":2}}
}

package translate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
)

func TestRequestSameDialectSetsOnlyModel(t *testing.T) {
	body := []byte(`{"model":"route","messages":[{"role":"user","content":"hi"}],"seed":7,"top_k":3}`)
	for _, d := range []wire.Dialect{wire.OpenAI, wire.Anthropic} {
		out, err := Request(d, d, body, "real-model")
		if err != nil {
			t.Fatal(err)
		}
		want := `{"model":"real-model","messages":[{"role":"user","content":"hi"}],"seed":7,"top_k":3}`
		if string(out) != want {
			t.Errorf("%v: got %s", d, out)
		}
	}
	body2 := []byte(`{"x":1}`)
	if out, _ := Response(wire.OpenAI, wire.OpenAI, body2); !bytes.Equal(out, body2) {
		t.Errorf("Response changed a same-dialect body: %s", out)
	}
	if out := Error(wire.Anthropic, wire.Anthropic, 500, body2); !bytes.Equal(out, body2) {
		t.Errorf("Error changed a same-dialect body: %s", out)
	}
}

func TestRequestRejectsNonRequests(t *testing.T) {
	bad := []string{
		``, `[]`, `"x"`, `{"model":"m"}`, `{"messages":null}`, `{"messages":{}}`,
		`{"messages":[{"role":"user","content":5}]}`,
		`{"messages":[{"role":"wizard","content":"x"}]}`,
		`{"messages":[],"temperature":"hot"}`,
	}
	for _, d := range [][2]wire.Dialect{{wire.OpenAI, wire.Anthropic}, {wire.Anthropic, wire.OpenAI}} {
		for _, b := range bad {
			if _, err := Request(d[0], d[1], []byte(b), "m"); !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("%v→%v %s: err = %v, want ErrInvalidRequest", d[0], d[1], b, err)
			}
		}
	}
	if _, err := Request(wire.OpenAI, wire.Anthropic, []byte(`{"messages":[],"stop":5}`), "m"); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("stop 5: err = %v", err)
	}
	if _, err := Request(wire.OpenAI, wire.Anthropic, []byte(`{"messages":[],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"sometimes"}`), "m"); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("tool_choice sometimes: err = %v", err)
	}
	if _, err := Response(wire.Anthropic, wire.OpenAI, []byte(`<html>`)); !errors.Is(err, ErrInvalidResponse) {
		t.Errorf("Response of HTML: err = %v", err)
	}
}

// recorder is a slog handler that keeps the "field" attribute of each record.
type recorder struct{ fields *[]string }

func (r recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r recorder) Handle(_ context.Context, rec slog.Record) error {
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "field" {
			*r.fields = append(*r.fields, a.Value.String())
		}
		return true
	})
	return nil
}
func (r recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r recorder) WithGroup(string) slog.Handler      { return r }

func TestDroppedFieldsAreLogged(t *testing.T) {
	var fields []string
	o := Options{Log: slog.New(recorder{&fields})}
	body := []byte(`{"model":"m","seed":1,"n":1,"logprobs":true,"response_format":{"type":"json_object"},
		"messages":[{"role":"user","name":"ann","content":[{"type":"text","text":"hi"},
			{"type":"image_url","image_url":{"url":"https://x/y.png","detail":"low"}}]}]}`)
	if _, err := o.Request(wire.OpenAI, wire.Anthropic, body, ""); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"seed", "n", "logprobs", "response_format.json_object",
		"messages[0].name", "messages[0].content[].image_url.detail"} {
		if !slices.Contains(fields, want) {
			t.Errorf("no debug record for %q (got %q)", want, fields)
		}
	}
	fields = nil
	body = []byte(`{"model":"m","max_tokens":5,"top_k":3,"thinking":{"type":"enabled","budget_tokens":1000},
		"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}],
		"messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"x","signature":"s"},{"type":"redacted_thinking","data":"r"},
			{"type":"text","text":"y"},{"type":"tool_use","id":"t1","name":"f","input":{}}]},
			{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"boom","is_error":true},
			{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="},"citations":{"enabled":true}}]}]}`)
	if _, err := o.Request(wire.Anthropic, wire.OpenAI, body, ""); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"top_k", "thinking", "messages[0].content[].type=thinking", "messages[0].content[].type=redacted_thinking",
		"system[].cache_control", "messages[1].content[1].citations"} {
		if !slices.Contains(fields, want) {
			t.Errorf("no debug record for %q (got %q)", want, fields)
		}
	}
}

func TestRequestKeepsModelWhenEmpty(t *testing.T) {
	out, err := Request(wire.OpenAI, wire.Anthropic, []byte(`{"model":"claude-x","messages":[]}`), "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"model":"claude-x"`) {
		t.Errorf("model lost: %s", out)
	}
}

func TestStreamUsageChunkOnlyWhenAsked(t *testing.T) {
	in := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"m\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n" +
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":4}}\n\n" +
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
	for _, c := range []struct {
		req  string
		want bool
	}{
		{`{"stream":true,"stream_options":{"include_usage":true}}`, true},
		{`{"stream":true,"stream_options":{"include_usage":false}}`, false},
		{`{"stream":true}`, false},
		{`not json`, false},
	} {
		out := translateStream(t, Options{}, wire.Anthropic, wire.OpenAI, []byte(in), []byte(c.req))
		if got := bytes.Contains(out, []byte(`"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7`)); got != c.want {
			t.Errorf("request %s: usage chunk present = %v\n%s", c.req, got, out)
		}
		if !bytes.HasSuffix(out, []byte("data: [DONE]\n\n")) {
			t.Errorf("stream does not end with [DONE]: %s", out)
		}
	}
}

func TestStreamSameDialectPassesThrough(t *testing.T) {
	s := NewStream(wire.OpenAI, wire.OpenAI, nil)
	raw := []byte("data: {\"x\":1}\n\n")
	out, err := s.Event(nil, sse.Event{Data: []byte(`{"x":1}`), Raw: raw})
	if err != nil || !bytes.Equal(out, raw) {
		t.Errorf("got %q, %v", out, err)
	}
}

func TestStreamMalformedEvent(t *testing.T) {
	for _, d := range [][2]wire.Dialect{{wire.OpenAI, wire.Anthropic}, {wire.Anthropic, wire.OpenAI}} {
		s := NewStream(d[0], d[1], nil)
		out, err := s.Event(nil, sse.Event{Name: []byte("content_block_delta"), Data: []byte(`{"broken`)})
		if !errors.Is(err, ErrMalformedEvent) || len(out) != 0 {
			t.Errorf("%v→%v: got %q, %v", d[0], d[1], out, err)
		}
	}
}

// An Anthropic upstream that interleaves two tool_use blocks still yields
// fragments on the right OpenAI tool-call index.
func TestStreamInterleavedToolBlocks(t *testing.T) {
	ev := func(data string) string { return "data: " + data + "\n\n" }
	in := ev(`{"type":"message_start","message":{"id":"m","model":"x"}}`) +
		ev(`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`) +
		ev(`{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"a","name":"fa","input":{}}}`) +
		ev(`{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"b","name":"fb","input":{}}}`) +
		ev(`{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"b\":1}"}}`) +
		ev(`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":1}"}}`) +
		ev(`{"type":"content_block_stop","index":1}`) + ev(`{"type":"content_block_stop","index":2}`)
	out := translateStream(t, Options{}, wire.Anthropic, wire.OpenAI, []byte(in), nil)
	acc := wire.NewAccumulator(wire.OpenAI)
	r := sse.NewReader(bytes.NewReader(out), 0)
	for {
		e, err := r.Next()
		if err != nil {
			break
		}
		acc.Add(e)
	}
	got := acc.Output().ToolCalls
	if len(got) != 2 || got[0].Name != "fa" || string(got[0].Arguments) != `{"a":1}` || got[1].Name != "fb" || string(got[1].Arguments) != `{"b":1}` {
		t.Errorf("tool calls = %+v", got)
	}
}

// Azure OpenAI opens a stream with a chunk that carries only the prompt's
// filter results, with an empty id and model: the Anthropic message takes
// its id and model from the first real chunk.
func TestStreamAzureFilterChunkFirst(t *testing.T) {
	ev := func(data string) string { return "data: " + data + "\n\n" }
	in := ev(`{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}`) +
		ev(`{"id":"chatcmpl-9","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}`) +
		ev(`{"id":"chatcmpl-9","object":"chat.completion.chunk","model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`) +
		ev(`[DONE]`)
	out := string(translateStream(t, Options{}, wire.OpenAI, wire.Anthropic, []byte(in), nil))
	if strings.Count(out, "event: message_start") != 1 || !strings.Contains(out, `"id":"chatcmpl-9"`) || !strings.Contains(out, `"model":"gpt-4o"`) {
		t.Fatalf("stream:\n%s", out)
	}
}

// Anthropic refuses an empty message anywhere but last: an OpenAI assistant
// message that said nothing is left out.
func TestRequestEmptyAssistantMessageLeftOut(t *testing.T) {
	for _, empty := range []string{`""`, `null`, `[]`} {
		body := `{"model":"m","messages":[{"role":"user","content":"a"},{"role":"assistant","content":` + empty +
			`},{"role":"user","content":"b"}]}`
		out, err := Request(wire.OpenAI, wire.Anthropic, []byte(body), "claude")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), "assistant") || !strings.Contains(string(out), `"content":"b"`) {
			t.Errorf("content %s: %s", empty, out)
		}
	}
}

// An Anthropic max_tokens of null sets no OpenAI limit (not a limit of 0).
func TestRequestNullMaxTokens(t *testing.T) {
	out, err := Request(wire.Anthropic, wire.OpenAI, []byte(`{"model":"m","max_tokens":null,"messages":[{"role":"user","content":"hi"}]}`), "gpt-4o")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "max_completion_tokens") {
		t.Fatalf("request: %s", out)
	}
}

// A fragment for an OpenAI tool call whose block text has closed cannot be
// placed: the stream fails instead of dropping it.
func TestStreamToolFragmentAfterItsBlockClosed(t *testing.T) {
	chunk := func(delta string) sse.Event {
		data := `{"id":"c","model":"m","choices":[{"index":0,"delta":` + delta + `,"finish_reason":null}]}`
		return sse.Event{Data: []byte(data), Raw: []byte("data: " + data + "\n\n")}
	}
	s := Options{}.NewStream(wire.OpenAI, wire.Anthropic, nil)
	var out []byte
	var err error
	for _, d := range []string{
		`{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"f","arguments":"{\"a\":"}}]}`,
		`{"content":"text between"}`,
	} {
		if out, err = s.Event(out, chunk(d)); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
	}
	_, err = s.Event(out, chunk(`{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}`))
	if !errors.Is(err, ErrToolCallFragments) {
		t.Fatalf("a late fragment: err = %v, want ErrToolCallFragments", err)
	}

	// A call held back and sent whole at the finish is closed too.
	s = Options{}.NewStream(wire.OpenAI, wire.Anthropic, nil)
	out = nil
	for _, d := range []string{
		`{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"f","arguments":"{}"}}]}`,
		`{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"g","arguments":"{}"}}]}`,
	} {
		if out, err = s.Event(out, chunk(d)); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
	}
	finish := `{"id":"c","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`
	if out, err = s.Event(out, sse.Event{Data: []byte(finish)}); err != nil {
		t.Fatal(err)
	}
	if _, err = s.Event(out, chunk(`{"tool_calls":[{"index":1,"function":{"arguments":"x"}}]}`)); !errors.Is(err, ErrToolCallFragments) {
		t.Fatalf("a fragment after its held call was sent: err = %v, want ErrToolCallFragments", err)
	}
}

// Held-back tool calls are bounded by Options.HoldLimit, and only by it: a
// second call of 2 MiB is held and sent by default, and refused under a
// limit of 1 MiB.
func TestStreamHeldToolCallsBound(t *testing.T) {
	big, _ := json.Marshal(`{"text":"` + strings.Repeat("x", 2<<20) + `"}`)
	events := []string{
		`{"id":"c","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":null}]}`,
		`{"id":"c","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"g","arguments":` + string(big) + `}}]},"finish_reason":null}]}`,
		`{"id":"c","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}`,
	}
	run := func(o Options) ([]byte, error) {
		s := o.NewStream(wire.OpenAI, wire.Anthropic, nil)
		var out []byte
		var err error
		for _, e := range events {
			if out, err = s.Event(out, sse.Event{Data: []byte(e)}); err != nil {
				return out, err
			}
		}
		return out, nil
	}
	out, err := run(Options{})
	if err != nil || !bytes.Contains(out, big) {
		t.Fatalf("default limit: err = %v, %d bytes out", err, len(out))
	}
	if _, err := run(Options{HoldLimit: 1 << 20}); !errors.Is(err, ErrToolCallFragments) {
		t.Fatalf("1 MiB limit: err = %v, want ErrToolCallFragments", err)
	}
}

func ExampleRequest() {
	body := []byte(`{
		"model": "fast",
		"messages": [
			{"role": "system", "content": "Be brief."},
			{"role": "user", "content": "Hi"}
		],
		"temperature": 1.4,
		"stop": "END",
		"seed": 42
	}`)
	out, err := Request(wire.OpenAI, wire.Anthropic, body, "claude-sonnet-4-5")
	if err != nil {
		panic(err)
	}
	fmt.Println(string(out))
	// Output:
	// {"model":"claude-sonnet-4-5","system":"Be brief.","messages":[{"role":"user","content":"Hi"}],"max_tokens":4096,"stop_sequences":["END"],"temperature":1}
}

func ExampleError() {
	body := []byte(`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)
	fmt.Println(string(Error(wire.Anthropic, wire.OpenAI, 529, body)))
	// Output:
	// {"error":{"message":"Overloaded","type":"server_error","param":null,"code":"overloaded"}}
}

func ExampleStream_Event() {
	upstream := "event: message_start\n" +
		`data: {"type":"message_start","message":{"id":"msg_1","model":"claude-sonnet-4-5","usage":{"input_tokens":5,"output_tokens":1}}}` + "\n\n" +
		"event: content_block_delta\n" +
		`data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}` + "\n\n" +
		"event: message_delta\n" +
		`data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}` + "\n\n" +
		"event: message_stop\n" +
		`data: {"type":"message_stop"}` + "\n\n"
	o := Options{Now: func() time.Time { return time.Unix(1767225600, 0) }}
	s := o.NewStream(wire.Anthropic, wire.OpenAI, []byte(`{"stream":true}`))
	r := sse.NewReader(strings.NewReader(upstream), 0)
	var out []byte
	for {
		ev, err := r.Next()
		if err != nil {
			break
		}
		out, _ = s.Event(out, ev)
	}
	fmt.Print(string(out))
	// Output:
	// data: {"id":"msg_1","object":"chat.completion.chunk","created":1767225600,"model":"claude-sonnet-4-5","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}
	//
	// data: {"id":"msg_1","object":"chat.completion.chunk","created":1767225600,"model":"claude-sonnet-4-5","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}
	//
	// data: {"id":"msg_1","object":"chat.completion.chunk","created":1767225600,"model":"claude-sonnet-4-5","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}
	//
	// data: [DONE]
}

// A page that is not an error body (a proxy's 413) is restated as an error
// of the dialect, typed by its status, its message naming the status; an
// error body is kept as it is.
func TestRestate(t *testing.T) {
	page := []byte("<html><head><title>413 Request Entity Too Large</title></head><body>nginx</body></html>")
	out := string(Restate(wire.Anthropic, 413, page))
	if !strings.Contains(out, `"type":"request_too_large"`) || !strings.Contains(out, "413") {
		t.Errorf("Anthropic: %s", out)
	}
	out = string(Restate(wire.OpenAI, 413, page))
	if !strings.Contains(out, `"type":"invalid_request_error"`) || !strings.Contains(out, "413") {
		t.Errorf("OpenAI: %s", out)
	}
	body := []byte(`{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}`)
	if out := Restate(wire.Anthropic, 400, body); !bytes.Equal(out, body) {
		t.Errorf("an error body was changed: %s", out)
	}
}

package translate

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"unsafe"

	"github.com/lifelinehq/lifeline/sse"
	"github.com/lifelinehq/lifeline/wire"
)

// Output and memory bounds checked by the stream fuzz targets: whatever
// the upstream sends, the client receives at most outFactor bytes per input
// byte plus outConst, and a Stream holds at most heldConst bytes plus
// heldFactor times the largest event it was given.
const (
	outFactor  = 32
	outConst   = 4096
	heldFactor = 4
	heldConst  = 4096
)

func FuzzStreamAnthropicToOpenAI(f *testing.F) {
	f.Add([]byte("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"m\",\"usage\":{\"input_tokens\":3}}}\n\n" +
		"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}}\n\n" +
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}\n\n" +
		"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":9}}\n\n" +
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"))
	f.Add([]byte("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"))
	f.Add([]byte("data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n"))
	fuzzStream(f, wire.Anthropic, wire.OpenAI)
}

func FuzzStreamOpenAIToAnthropic(f *testing.F) {
	f.Add([]byte("data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n" +
		"data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"t\",\"function\":{\"name\":\"f\",\"arguments\":\"{\"}}]}}]}\n\n" +
		"data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"}\"}}]}}]}\n\n" +
		"data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n" +
		"data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\n" +
		"data: [DONE]\n\n"))
	f.Add([]byte("data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n"))
	f.Add([]byte("data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":3},{\"index\":1},{\"index\":4}]}}]}\n\ndata: [DONE]\n\n"))
	fuzzStream(f, wire.OpenAI, wire.Anthropic)
}

// fuzzStream feeds arbitrary bytes, read as SSE, through a Stream and
// checks that it does not panic, that what it emits is well-formed SSE in
// the client's dialect, that nothing follows the terminal event, and that
// output and held memory stay within the bounds above.
func fuzzStream(f *testing.F, from, to wire.Dialect) {
	f.Fuzz(func(t *testing.T, in []byte) {
		s := NewStream(from, to, []byte(`{"stream":true,"stream_options":{"include_usage":true}}`))
		r := sse.NewReader(bytes.NewReader(in), 1<<16)
		var out, all []byte
		maxEvent, ended := 0, false
		for {
			ev, err := r.Next()
			if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			maxEvent = max(maxEvent, len(ev.Raw))
			out, _ = s.Event(out[:0], ev)
			if ended && len(out) > 0 {
				t.Fatalf("output after the terminal event: %q", out)
			}
			all = append(all, out...)
			ended = s.done
			if held := s.held(); held > heldConst+heldFactor*maxEvent {
				t.Fatalf("stream holds %d bytes after events of at most %d", held, maxEvent)
			}
			// Slices grow by doubling: twice the limits, and the tool calls'
			// own records.
			if held := s.laterHeld(); held > 2*s.holdLimit+2*maxHeldTools*(int(unsafe.Sizeof(heldTool{}))+16) {
				t.Fatalf("stream holds %d bytes of tool calls", held)
			}
			if err != nil {
				break
			}
		}
		if len(all) > outConst+outFactor*len(in) {
			t.Fatalf("%d bytes out for %d in", len(all), len(in))
		}
		checkWellFormed(t, to, all)
	})
}

// checkWellFormed checks that every emitted event carries JSON data (or
// [DONE]) and, for Anthropic clients, an event name equal to data.type.
func checkWellFormed(t *testing.T, to wire.Dialect, out []byte) {
	r := sse.NewReader(bytes.NewReader(out), 0)
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("output is not SSE: %v\n%q", err, out)
		}
		if to == wire.OpenAI && string(ev.Data) == "[DONE]" {
			continue
		}
		if !json.Valid(ev.Data) {
			t.Fatalf("event data is not JSON: %q", ev.Data)
		}
		if to == wire.Anthropic {
			var typed struct{ Type string }
			_ = json.Unmarshal(ev.Data, &typed)
			if typed.Type == "" || typed.Type != string(ev.Name) {
				t.Fatalf("event name %q, data type %q", ev.Name, typed.Type)
			}
		}
	}
}

// held returns the bytes a Stream keeps between events: its buffers and
// its fixed-size state, but not the tool calls it holds back, which
// laterHeld counts.
func (s *Stream) held() int {
	return cap(s.buf) + cap(s.id) + cap(s.model) + cap(s.prefix) + cap(s.toolID) + int(unsafe.Sizeof(*s))
}

// laterHeld returns the bytes a Stream keeps for the tool calls it holds
// back and the calls whose blocks closed.
func (s *Stream) laterHeld() int {
	n := cap(s.later)*int(unsafe.Sizeof(heldTool{})) + cap(s.closed)*8
	for _, h := range s.later {
		n += cap(h.id) + cap(h.name) + cap(h.frags) + cap(h.ends)*8
	}
	return n
}

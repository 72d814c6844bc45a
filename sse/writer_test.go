package sse_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/sse"
)

func TestAppendEvent(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{name: "ping", data: `{"type":"ping"}`, want: "event: ping\ndata: {\"type\":\"ping\"}\n\n"},
		{data: "[DONE]", want: "data: [DONE]\n\n"},
		{data: "", want: "data: \n\n"},
		{data: "a\nb", want: "data: a\ndata: b\n\n"},
		{name: "x", data: "a\n", want: "event: x\ndata: a\ndata: \n\n"},
	}
	for _, tt := range tests {
		got := sse.AppendEvent([]byte("prefix|"), tt.name, []byte(tt.data))
		if want := "prefix|" + tt.want; string(got) != want {
			t.Errorf("AppendEvent(%q, %q) = %q, want %q", tt.name, tt.data, got, want)
		}
	}
}

// TestAppendEventRoundTrip checks, for random names and data without '\r'
// (and names without '\n'), that the Reader gives back what AppendEvent
// framed, and that the event's Raw bytes are exactly the framed bytes.
func TestAppendEventRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("ab :\n\t{}\"\\é🙂\x00")
	randString := func(n int, allowNewline bool) string {
		var b strings.Builder
		for range n {
			c := alphabet[rng.IntN(len(alphabet))]
			if c == '\n' && !allowNewline {
				continue
			}
			b.WriteRune(c)
		}
		return b.String()
	}
	var stream []byte
	type pair struct{ name, data string }
	var want []pair
	for range 2000 {
		p := pair{name: randString(rng.IntN(6), false), data: randString(rng.IntN(40), true)}
		want = append(want, p)
		stream = sse.AppendEvent(stream, p.name, []byte(p.data))
	}
	r := sse.NewReader(bytes.NewReader(stream), 0)
	var raw []byte
	for i, p := range want {
		framed := sse.AppendEvent(nil, p.name, []byte(p.data))
		ev, err := r.Next()
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if string(ev.Name) != p.name || string(ev.Data) != p.data {
			t.Fatalf("event %d = name %q data %q, want name %q data %q", i, ev.Name, ev.Data, p.name, p.data)
		}
		if !bytes.Equal(ev.Raw, framed) {
			t.Fatalf("event %d Raw = %q, want %q", i, ev.Raw, framed)
		}
		raw = append(raw, ev.Raw...)
	}
	if !bytes.Equal(raw, stream) {
		t.Error("concatenated Raw differs from the written stream")
	}
}

func TestAppendEventAllocs(t *testing.T) {
	dst := make([]byte, 0, 256)
	data := []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}`)
	allocs := testing.AllocsPerRun(100, func() {
		dst = sse.AppendEvent(dst[:0], "content_block_delta", data)
	})
	if allocs != 0 {
		t.Errorf("AppendEvent into a large enough buffer: %v allocations, want 0", allocs)
	}
}

func ExampleAppendEvent() {
	var out []byte
	out = sse.AppendEvent(out, "message_stop", []byte(`{"type":"message_stop"}`))
	out = sse.AppendEvent(out, "", []byte("[DONE]"))
	fmt.Printf("%s", out)
	// Output:
	// event: message_stop
	// data: {"type":"message_stop"}
	//
	// data: [DONE]
}

func ExampleReader() {
	stream := ": OPENROUTER PROCESSING\n\n" +
		"event: content_block_delta\n" +
		`data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}` + "\n\n" +
		"data: [DONE]\n\n"
	r := sse.NewReader(strings.NewReader(stream), 0)
	for {
		ev, err := r.Next()
		if err != nil {
			fmt.Println(err)
			break
		}
		// ev is overwritten by the next call: copy what must be kept.
		fmt.Printf("name=%q data=%s\n", ev.Name, ev.Data)
	}
	// Output:
	// name="content_block_delta" data={"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}
	// name="" data=[DONE]
	// EOF
}

package sse_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/sse"
)

// TestReaderReusesBuffers documents that an Event is only valid until the
// next call to Next: its slices point into the Reader's buffers, which the
// next event overwrites. Callers that keep an event must copy it.
func TestReaderReusesBuffers(t *testing.T) {
	r := sse.NewReader(strings.NewReader("event: first\ndata: AAAAAAAA\n\nevent: two\ndata: BBBB\n\n"), 0)
	ev1, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	kept := copyEvent(ev1)
	ev2, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if string(ev2.Data) != "BBBB" || string(ev2.Name) != "two" {
		t.Fatalf("second event = %q %q", ev2.Name, ev2.Data)
	}
	if &ev1.Data[0] != &ev2.Data[0] || &ev1.Name[0] != &ev2.Name[0] || &ev1.Raw[0] != &ev2.Raw[0] {
		t.Fatal("the second event does not reuse the first event's buffers")
	}
	if string(ev1.Data) != "BBBBAAAA" {
		t.Errorf("first event's Data after Next = %q, want it overwritten (BBBBAAAA)", ev1.Data)
	}
	if kept.Data != "AAAAAAAA" || kept.Name != "first" {
		t.Errorf("copy = %+v, want the original event", kept)
	}
}

// loopReader repeats a stream forever.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], l.data[l.off:])
		n += c
		l.off = (l.off + c) % len(l.data)
	}
	return n, nil
}

func TestReaderSteadyStateAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates")
	}
	inputs := map[string][]byte{
		// Lines longer than the read buffer take another path.
		"long lines": []byte("event: content_block_delta\ndata: " + strings.Repeat("x", 20_000) + "\n\ndata: [DONE]\n\n"),
	}
	for _, file := range []string{"anthropic_tool_use.sse", "openai_tool_calls.sse", "openrouter_crlf.sse"} {
		input, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		inputs[file] = input
	}
	for name, input := range inputs {
		t.Run(name, func(t *testing.T) {
			r := sse.NewReader(&loopReader{data: input}, 0)
			// Warm up: let the buffers grow to the largest event.
			for range 100 {
				if _, err := r.Next(); err != nil {
					t.Fatal(err)
				}
			}
			allocs := testing.AllocsPerRun(1000, func() {
				if _, err := r.Next(); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per event, want 0", allocs)
			}
		})
	}
}

func BenchmarkReader(b *testing.B) {
	for _, file := range []string{"anthropic_tool_use.sse", "openai_tool_calls.sse"} {
		b.Run(strings.TrimSuffix(file, ".sse"), func(b *testing.B) {
			input, err := os.ReadFile(filepath.Join("testdata", file))
			if err != nil {
				b.Fatal(err)
			}
			events, err := readAll(b, bytes.NewReader(input), 0)
			if err != nil {
				b.Fatal(err)
			}
			// One op is one event; SetBytes gives the mean event size.
			b.SetBytes(int64(len(input) / len(events)))
			r := sse.NewReader(&loopReader{data: input}, 0)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Next(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

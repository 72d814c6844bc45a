package sse_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/lifelinehq/lifeline/sse"
)

// event is a copy of an sse.Event that outlives the next call to Next.
type event struct {
	Name, Data, Raw string
}

func copyEvent(ev sse.Event) event {
	return event{Name: string(ev.Name), Data: string(ev.Data), Raw: string(ev.Raw)}
}

// readAll reads every event of input with a bound of max bytes. It returns
// the events (including one returned with io.ErrUnexpectedEOF) and the
// error that ended the stream (nil for a clean io.EOF).
func readAll(t testing.TB, r io.Reader, max int) ([]event, error) {
	t.Helper()
	sr := sse.NewReader(r, max)
	var evs []event
	for {
		ev, err := sr.Next()
		if err == nil || errors.Is(err, io.ErrUnexpectedEOF) {
			evs = append(evs, copyEvent(ev))
		}
		if err == io.EOF {
			return evs, nil
		}
		if err != nil {
			return evs, err
		}
	}
}

func TestReaderFields(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []event
	}{
		{
			name:  "named event",
			input: "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
			want:  []event{{Name: "message_stop", Data: `{"type":"message_stop"}`}},
		},
		{
			name:  "data only",
			input: "data: {\"a\":1}\n\ndata: [DONE]\n\n",
			want:  []event{{Data: `{"a":1}`}, {Data: "[DONE]"}},
		},
		{
			name:  "multi-line data joined with newline",
			input: "data: first\ndata: second\ndata:\ndata: fourth\n\n",
			want:  []event{{Data: "first\nsecond\n\nfourth"}},
		},
		{
			name:  "no space after colon and only one space removed",
			input: "event:ping\ndata:x\ndata:  two\n\n",
			want:  []event{{Name: "ping", Data: "x\n two"}},
		},
		{
			name:  "field without colon",
			input: "data\n\n",
			want:  []event{{Data: ""}},
		},
		{
			name:  "comments are skipped",
			input: ": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\ndata: a\n: inside\ndata: b\n\n:\n\n",
			want:  []event{{Data: "a\nb"}},
		},
		{
			name:  "id retry and unknown fields are ignored",
			input: "id: 42\nretry: 3000\nevent: ping\nfoo: bar\ndata: d\nID: x\n\nid: 43\n\nretry: 10\n\n",
			want:  []event{{Name: "ping", Data: "d"}},
		},
		{
			name:  "last event field wins",
			input: "event: a\nevent: b\ndata: d\n\n",
			want:  []event{{Name: "b", Data: "d"}},
		},
		{
			name:  "CRLF line endings",
			input: "event: ping\r\ndata: {\"type\":\"ping\"}\r\n\r\ndata: a\r\ndata: b\r\n\r\n",
			want:  []event{{Name: "ping", Data: `{"type":"ping"}`}, {Data: "a\nb"}},
		},
		{
			name:  "mixed line endings",
			input: "data: a\r\ndata: b\n\r\ndata: c\n\n",
			want:  []event{{Data: "a\nb"}, {Data: "c"}},
		},
		{
			name:  "blank lines between events",
			input: "\n\n\ndata: a\n\n\n\ndata: b\n\n",
			want:  []event{{Data: "a"}, {Data: "b"}},
		},
		{
			name:  "carriage return inside a line is data",
			input: "data: a\rb\n\n",
			want:  []event{{Data: "a\rb"}},
		},
		{
			name:  "colon inside value",
			input: "event: a:b\ndata: {\"k\": \"v: w\"}\n\n",
			want:  []event{{Name: "a:b", Data: `{"k": "v: w"}`}},
		},
		{
			name:  "empty stream",
			input: "",
		},
		{
			name:  "only comments and blank lines",
			input: ": hi\n\n: there\n\n\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(t, strings.NewReader(tt.input), 0)
			if err != nil {
				t.Fatalf("error %v, want clean end", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d events %q, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if got[i].Name != tt.want[i].Name || got[i].Data != tt.want[i].Data {
					t.Errorf("event %d = name %q data %q, want name %q data %q",
						i, got[i].Name, got[i].Data, tt.want[i].Name, tt.want[i].Data)
				}
			}
		})
	}
}

func TestReaderRaw(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		wantRaw []string
	}{
		{
			name:    "named event reproduced exactly",
			input:   "event: content_block_delta\ndata: {\"type\":\"content_block_delta\"}\n\n",
			wantRaw: []string{"event: content_block_delta\ndata: {\"type\":\"content_block_delta\"}\n\n"},
		},
		{
			name:    "multi-line data keeps its lines",
			input:   "data:a\ndata:  b\n\n",
			wantRaw: []string{"data:a\ndata:  b\n\n"},
		},
		{
			name:    "comments dropped",
			input:   ": keep-alive\nevent: ping\n: inner\ndata: {}\n\n",
			wantRaw: []string{"event: ping\ndata: {}\n\n"},
		},
		{
			name:    "id retry and unknown fields kept",
			input:   "id: 1\nevent: ping\nretry: 5\ndata: {}\nx: y\n\n",
			wantRaw: []string{"id: 1\nevent: ping\nretry: 5\ndata: {}\nx: y\n\n"},
		},
		{
			name:    "fields of an event without data are not carried over",
			input:   "id: 1\n\nretry: 5\n\ndata: {}\n\n",
			wantRaw: []string{"data: {}\n\n"},
		},
		{
			name:    "CRLF kept",
			input:   "event: ping\r\ndata: {}\r\n\r\n",
			wantRaw: []string{"event: ping\r\ndata: {}\r\n\r\n"},
		},
		{
			name:    "mixed line endings kept",
			input:   "data: a\r\ndata: b\n\r\n",
			wantRaw: []string{"data: a\r\ndata: b\n\r\n"},
		},
		{
			name:    "carriage return before the blank line is data",
			input:   "data: a\r\r\n\n",
			wantRaw: []string{"data: a\r\r\n\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(t, strings.NewReader(tt.input), 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.wantRaw) {
				t.Fatalf("got %d events, want %d", len(got), len(tt.wantRaw))
			}
			for i := range got {
				if got[i].Raw != tt.wantRaw[i] {
					t.Errorf("Raw %d = %q, want %q", i, got[i].Raw, tt.wantRaw[i])
				}
			}
		})
	}
}

// TestReaderRecordedStreams reads recorded provider streams: the events'
// Raw bytes, concatenated, are the stream without its comment lines and
// the blank lines around them, and
// reading byte by byte gives the same events as reading in large blocks.
func TestReaderRecordedStreams(t *testing.T) {
	tests := []struct {
		file      string
		wantCount int
		wantNames []string // of the first events; nil when unnamed
		lastData  string
	}{
		{
			file:      "anthropic_tool_use.sse",
			wantCount: 14,
			wantNames: []string{"message_start", "content_block_start", "ping", "content_block_delta"},
			lastData:  `{"type":"message_stop"}`,
		},
		{
			file:      "anthropic_error.sse",
			wantCount: 3,
			wantNames: []string{"message_start", "ping", "error"},
			lastData:  `{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}`,
		},
		{file: "openai_text.sse", wantCount: 6, lastData: "[DONE]"},
		{file: "openai_tool_calls.sse", wantCount: 8, lastData: "[DONE]"},
		{
			file:      "openai_error.sse",
			wantCount: 3,
			lastData:  `{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}`,
		},
		{file: "openrouter_crlf.sse", wantCount: 3, lastData: "[DONE]"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			input, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := readAll(t, bytes.NewReader(input), 0)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if len(got) != tt.wantCount {
				t.Fatalf("got %d events, want %d", len(got), tt.wantCount)
			}
			for i, name := range tt.wantNames {
				if got[i].Name != name {
					t.Errorf("event %d name %q, want %q", i, got[i].Name, name)
				}
			}
			if last := got[len(got)-1].Data; last != tt.lastData {
				t.Errorf("last data %q, want %q", last, tt.lastData)
			}

			var raw strings.Builder
			for _, ev := range got {
				raw.WriteString(ev.Raw)
			}
			if want := withoutComments(string(input)); raw.String() != want {
				t.Errorf("concatenated Raw differs from the stream without comments:\n got %q\nwant %q", raw.String(), want)
			}

			oneByte, err := readAll(t, iotest.OneByteReader(bytes.NewReader(input)), 0)
			if err != nil {
				t.Fatalf("one-byte read: %v", err)
			}
			if len(oneByte) != len(got) {
				t.Fatalf("one-byte read gave %d events, want %d", len(oneByte), len(got))
			}
			for i := range got {
				if oneByte[i] != got[i] {
					t.Errorf("one-byte event %d = %+v, want %+v", i, oneByte[i], got[i])
				}
			}
		})
	}
}

// withoutComments returns s without comment lines and without blank lines
// that do not end an event: what the concatenated Raw bytes of its events
// must equal.
func withoutComments(s string) string {
	var b strings.Builder
	inEvent := false
	for line := range strings.Lines(s) {
		switch {
		case strings.HasPrefix(line, ":"):
		case line == "\n" || line == "\r\n":
			if inEvent {
				b.WriteString(line)
			}
			inEvent = false
		default:
			b.WriteString(line)
			inEvent = true
		}
	}
	return b.String()
}

func TestReaderEnd(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		wantErr  error
		wantData string
		wantName string
		wantRaw  string
	}{
		{name: "clean end", input: "data: a\n\n", wantErr: io.EOF},
		{name: "clean end after comment", input: "data: a\n\n: bye\n", wantErr: io.EOF},
		{name: "clean end after unterminated comment", input: "data: a\n\n: bye", wantErr: io.EOF},
		{name: "clean end after lone id", input: "data: a\n\nid: 7\n", wantErr: io.EOF},
		{
			name: "cut after data line", input: "data: a\n\ndata: b\n",
			wantErr: io.ErrUnexpectedEOF, wantData: "b", wantRaw: "data: b\n",
		},
		{
			name: "cut inside data line", input: "data: a\n\nevent: x\ndata: {\"par",
			wantErr: io.ErrUnexpectedEOF, wantName: "x", wantData: `{"par`, wantRaw: "event: x\ndata: {\"par",
		},
		{
			name: "cut after a comment inside the event", input: "data: a\n\ndata: b\n: c",
			wantErr: io.ErrUnexpectedEOF, wantData: "b", wantRaw: "data: b\n",
		},
		{
			name: "cut with only the name", input: "data: a\n\nevent: message_stop",
			wantErr: io.ErrUnexpectedEOF, wantName: "message_stop", wantRaw: "event: message_stop",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sse.NewReader(strings.NewReader(tt.input), 0)
			first, err := r.Next()
			if err != nil || string(first.Data) != "a" {
				t.Fatalf("first event %q, %v; want data a", first.Data, err)
			}
			ev, err := r.Next()
			if err != tt.wantErr {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if string(ev.Name) != tt.wantName || string(ev.Data) != tt.wantData || string(ev.Raw) != tt.wantRaw {
				t.Errorf("event = name %q data %q raw %q, want name %q data %q raw %q",
					ev.Name, ev.Data, ev.Raw, tt.wantName, tt.wantData, tt.wantRaw)
			}
			if _, err := r.Next(); err != io.EOF {
				t.Errorf("after the end: err = %v, want io.EOF", err)
			}
		})
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestReaderPassesReadErrors(t *testing.T) {
	boom := errors.New("connection reset")
	r := sse.NewReader(io.MultiReader(strings.NewReader("data: a\n\ndata: b\n"), errReader{boom}), 0)
	if ev, err := r.Next(); err != nil || string(ev.Data) != "a" {
		t.Fatalf("first event %q, %v", ev.Data, err)
	}
	if _, err := r.Next(); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the read error", err)
	}
}

// TestReaderSkipsByteOrderMark: a stream may begin with one U+FEFF, which
// is not part of the first field's name (WHATWG "Server-sent events").
func TestReaderSkipsByteOrderMark(t *testing.T) {
	input := "\ufeffevent: message_start\ndata: {}\n\ndata: \ufeff\n\n"
	want := []event{
		{Name: "message_start", Data: "{}", Raw: "event: message_start\ndata: {}\n\n"},
		{Data: "\ufeff", Raw: "data: \ufeff\n\n"},
	}
	for name, r := range map[string]io.Reader{
		"whole":      strings.NewReader(input),
		"byte-split": iotest.OneByteReader(strings.NewReader(input)),
	} {
		got, err := readAll(t, r, 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("%s: events = %+v, want %+v", name, got, want)
		}
	}
}

// OnComment's function runs once for every comment line, as the line is
// read, and for nothing else.
func TestOnCommentCallsForEachComment(t *testing.T) {
	r := sse.NewReader(strings.NewReader(": keep-alive\n\n:\r\ndata: a\n: inside an event\n\ndata: b\n\n"), 0)
	var seen []string
	r.OnComment(func() { seen = append(seen, "comment") })
	for {
		ev, err := r.Next()
		if err != nil {
			break
		}
		seen = append(seen, string(ev.Data))
	}
	if got := strings.Join(seen, ","); got != "comment,comment,comment,a,b" {
		t.Fatalf("calls and events in order: %s", got)
	}
}

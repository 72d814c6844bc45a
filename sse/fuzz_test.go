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

// refEvent is an event as the reference parser below sees it.
type refEvent struct {
	event
	cut bool // ended by the end of the stream rather than a blank line
}

// referenceParse is a direct transcription of the framing rules the Reader
// implements, without buffering or bounds: lines end with "\n" or "\r\n";
// a blank line dispatches an event that has an "event" or "data" field;
// comments are skipped; other fields change nothing but are part of Raw; a
// final line without its newline still counts and makes the event cut; one
// byte order mark at the very start is dropped.
func referenceParse(input []byte) []refEvent {
	input = bytes.TrimPrefix(input, []byte("\ufeff"))
	var (
		evs               []refEvent
		name, data, raw   strings.Builder
		hasData, hasField bool
	)
	reset := func() {
		name.Reset()
		data.Reset()
		raw.Reset()
		hasData, hasField = false, false
	}
	for _, full := range strings.SplitAfter(string(input), "\n") {
		if full == "" {
			continue
		}
		line := full
		if strings.HasSuffix(line, "\n") {
			line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		}
		switch {
		case line == "":
			if hasField {
				raw.WriteString(full)
				evs = append(evs, refEvent{event: event{name.String(), data.String(), raw.String()}})
			}
			reset()
			continue
		case line[0] == ':':
			continue
		}
		raw.WriteString(full)
		f, v, found := strings.Cut(line, ":")
		if found {
			v = strings.TrimPrefix(v, " ")
		}
		switch f {
		case "event":
			name.Reset()
			name.WriteString(v)
			hasField = true
		case "data":
			if hasData {
				data.WriteByte('\n')
			}
			data.WriteString(v)
			hasData, hasField = true, true
		}
	}
	if hasField {
		evs = append(evs, refEvent{event: event{name.String(), data.String(), raw.String()}, cut: true})
	}
	return evs
}

// readEvents reads r to its end with the given bound and returns the
// events (cut ones marked) and the final error (nil for io.EOF).
func readEvents(t *testing.T, r io.Reader, max, limit int) ([]refEvent, error) {
	sr := sse.NewReader(r, max)
	var evs []refEvent
	for {
		ev, err := sr.Next()
		switch {
		case err == nil:
			evs = append(evs, refEvent{event: copyEvent(ev)})
		case errors.Is(err, io.ErrUnexpectedEOF):
			evs = append(evs, refEvent{event: copyEvent(ev), cut: true})
		case err == io.EOF:
			return evs, nil
		default:
			return evs, err
		}
		if len(evs) > limit {
			t.Fatalf("more than %d events from %d bytes: the reader does not terminate", limit, limit)
		}
	}
}

func FuzzReader(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.sse"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no recorded streams: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint16(0))
		f.Add(b, uint16(200))
		f.Add(b[:len(b)/2], uint16(0))
	}
	f.Add([]byte("data: a\r\n\r\n: c\n\ndata:b\ndata\n\n"), uint16(0))
	f.Add([]byte("event: e\ndata: 0123456789\ndata: 0123456789"), uint16(30))
	f.Add([]byte("id: 1\nretry: 2\nfoo\n\n"), uint16(5))
	f.Add([]byte("\ufeffdata: a\n\n\ufeffdata: b\n\n"), uint16(0))
	f.Fuzz(func(t *testing.T, input []byte, bound uint16) {
		max := int(bound)
		if max == 0 {
			max = sse.DefaultMaxEvent
		}
		want := referenceParse(input)

		// Unbounded for this input: exactly the reference events.
		if len(input) < sse.DefaultMaxEvent {
			got, err := readEvents(t, bytes.NewReader(input), 0, len(input)+1)
			if err != nil {
				t.Fatalf("unbounded read: %v", err)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d events %+v, reference %d %+v", len(got), got, len(want), want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("event %d = %+v, reference %+v", i, got[i], want[i])
				}
			}
		}

		// Bounded, byte by byte: a prefix of the reference events, none
		// larger than the bound.
		got, err := readEvents(t, iotest.OneByteReader(bytes.NewReader(input)), max, len(input)+1)
		if err != nil && !errors.Is(err, sse.ErrEventTooLarge) {
			t.Fatalf("bounded read: %v", err)
		}
		if len(got) > len(want) {
			t.Fatalf("bounded read gave %d events, reference %d", len(got), len(want))
		}
		for i, ev := range got {
			if len(ev.Raw) > max {
				t.Fatalf("event %d has %d bytes, bound %d", i, len(ev.Raw), max)
			}
			if ev != want[i] {
				t.Fatalf("bounded event %d = %+v, reference %+v", i, ev, want[i])
			}
		}
		if err == nil && len(got) != len(want) {
			t.Fatalf("bounded read ended cleanly after %d of %d events", len(got), len(want))
		}

		// Raw reproduces the event.
		for i, ev := range want {
			again, err := readEvents(t, strings.NewReader(ev.Raw), 0, len(ev.Raw)+1)
			if err != nil || len(again) != 1 || again[0] != ev {
				t.Fatalf("re-reading Raw of event %d (%q) gave %+v, %v", i, ev.Raw, again, err)
			}
		}
	})
}

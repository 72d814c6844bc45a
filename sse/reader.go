// Package sse reads and writes Server-Sent Events as the model APIs use
// them: an optional "event:" line, one or more "data:" lines, and a blank
// line between events. Comments (lines starting with ':') and unknown fields
// are ignored, as the WHATWG specification requires.
package sse

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Event is one server-sent event. Its slices are valid until the next call
// to Reader.Next.
type Event struct {
	Name []byte // the "event:" field; empty when absent
	Data []byte // the "data:" lines joined with '\n'
	// Raw is the event as it appeared on the wire: its lines with their
	// own terminators ("\n" or "\r\n"), id, retry and unknown fields
	// included, comments excluded, and the blank line that ended it.
	Raw []byte
}

// DefaultMaxEvent bounds the size of one event when NewReader is given no bound.
const DefaultMaxEvent = 4 << 20

// ErrEventTooLarge is returned when an event, or one line, exceeds the
// reader's bound.
var ErrEventTooLarge = errors.New("sse: event exceeds size limit")

// Reader reads events from a stream. It reuses its buffers: the Event
// returned by Next is overwritten by the following call.
type Reader struct {
	br       *bufio.Reader
	max      int
	name     []byte
	data     []byte
	raw      []byte
	long     []byte // assembles lines longer than br's buffer
	hasData  bool
	hasField bool
	started  bool // the first line was read (and its byte order mark dropped)
	comment  func()
}

// OnComment sets f to be called, from within Next, for every comment line
// read: a keep-alive that some servers send while the model works. A nil f
// (the default) calls nothing.
func (r *Reader) OnComment(f func()) { r.comment = f }

// NewReader returns a Reader that refuses events larger than maxEvent bytes
// (DefaultMaxEvent when maxEvent <= 0). The size of an event is the length
// of its Raw bytes.
func NewReader(r io.Reader, maxEvent int) *Reader {
	if maxEvent <= 0 {
		maxEvent = DefaultMaxEvent
	}
	return &Reader{br: bufio.NewReaderSize(r, 4096), max: maxEvent}
}

// Next returns the next event that carries an "event" or "data" field. At
// the end of the stream it returns io.EOF; an event cut off by the end of
// the stream (no blank line after it) is returned with io.ErrUnexpectedEOF.
// Lines end with "\n" or "\r\n"; a lone "\r" does not end a line. One
// byte order mark at the start of the stream is skipped.
func (r *Reader) Next() (Event, error) {
	r.name = r.name[:0]
	r.data = r.data[:0]
	r.raw = r.raw[:0]
	r.hasData, r.hasField = false, false
	for {
		full, err := r.readLine()
		if err != nil && err != io.EOF {
			return Event{}, err
		}
		if len(full) > 0 {
			line := trimEOL(full)
			switch {
			case len(line) == 0: // blank line: dispatch
				if r.hasField {
					r.raw = append(r.raw, full...)
					if len(r.raw) > r.max {
						return Event{}, ErrEventTooLarge
					}
					return r.event(), nil
				}
				r.raw = r.raw[:0] // only ignored fields: nothing to dispatch
			case line[0] == ':': // comment
				if r.comment != nil {
					r.comment()
				}
			default:
				r.field(line)
				r.raw = append(r.raw, full...)
				if len(r.raw) > r.max {
					return Event{}, ErrEventTooLarge
				}
			}
		}
		if err == io.EOF {
			if r.hasField {
				return r.event(), io.ErrUnexpectedEOF
			}
			return Event{}, io.EOF
		}
	}
}

func (r *Reader) event() Event {
	return Event{Name: r.name, Data: r.data, Raw: r.raw}
}

// field applies one non-comment line to the event being read.
func (r *Reader) field(line []byte) {
	field, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		field, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(field) {
	case "event":
		r.name = append(r.name[:0], value...)
	case "data":
		if r.hasData {
			r.data = append(r.data, '\n')
		}
		r.data = append(r.data, value...)
		r.hasData = true
	default:
		// id, retry and unknown fields carry nothing lifeline uses.
		return
	}
	r.hasField = true
}

// readLine returns the next line with its terminator. At the end of the
// stream it returns the final bytes (a line without terminator, possibly
// empty) with io.EOF. Lines longer than the event bound are refused. The
// result is valid until the next call.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], line...)
		for err == bufio.ErrBufferFull && len(r.long) <= r.max {
			line, err = r.br.ReadSlice('\n')
			r.long = append(r.long, line...)
		}
		line = r.long
	}
	if len(line) > r.max {
		return nil, ErrEventTooLarge
	}
	if !r.started {
		// One leading U+FEFF is not part of the stream (WHATWG).
		r.started = true
		if len(line) >= len(bom) && string(line[:len(bom)]) == bom {
			line = line[len(bom):]
		}
	}
	return line, err
}

// bom is U+FEFF BYTE ORDER MARK in UTF-8.
const bom = "\ufeff"

// trimEOL removes a trailing "\n" or "\r\n".
func trimEOL(line []byte) []byte {
	n := len(line)
	if n == 0 || line[n-1] != '\n' {
		return line
	}
	n--
	if n > 0 && line[n-1] == '\r' {
		n--
	}
	return line[:n]
}

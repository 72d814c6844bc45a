package gateway

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// A body is read whole, whatever its declared length; a declared length
// costs no memory beyond what the client actually sent.
func TestReadAllDeclaredLength(t *testing.T) {
	want := bytes.Repeat([]byte("0123456789abcdef"), 3<<20/16) // 3 MiB
	got, err := readAll(networkChunks{bytes.NewReader(want)}, int64(len(want)))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, err %v; want the 3 MiB body", len(got), err)
	}
	if got, err := readAll(strings.NewReader("short"), 5); err != nil || string(got) != "short" {
		t.Fatalf("small body: %q, %v", got, err)
	}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = readAll(strings.NewReader("ten bytes!"), 32<<20)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("a body shorter than declared: err %v, want io.ErrUnexpectedEOF", err)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 4<<20 {
		t.Fatalf("a 10-byte body declared as 32 MiB allocated %d bytes", grown)
	}
}

// networkChunks reads at most 64 KiB at a time, as a connection does.
type networkChunks struct{ r io.Reader }

func (c networkChunks) Read(p []byte) (int, error) {
	if len(p) > 64<<10 {
		p = p[:64<<10]
	}
	return c.r.Read(p)
}

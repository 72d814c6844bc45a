package declared_test

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/internal/declared"
)

// A body is read whole whatever its size; one shorter than declared is
// io.ErrUnexpectedEOF, small or large.
func TestRead(t *testing.T) {
	for _, n := range []int{0, 5, declared.UpFront, declared.UpFront + 7} {
		body := strings.Repeat("x", n)
		b, err := declared.Read(strings.NewReader(body), int64(n))
		if err != nil || string(b) != body {
			t.Errorf("n=%d: %d bytes, %v; want the body", n, len(b), err)
		}
		if n == 0 {
			continue
		}
		if _, err := declared.Read(strings.NewReader(body[:n-1]), int64(n)); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("n=%d, one byte short: %v, want io.ErrUnexpectedEOF", n, err)
		}
		if _, err := declared.Read(strings.NewReader(""), int64(n)); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("n=%d, nothing sent: %v, want io.ErrUnexpectedEOF", n, err)
		}
	}
}

// A large declared length is not allocated before its bytes arrive.
func TestReadDoesNotTrustALargeDeclaration(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _ = declared.Read(strings.NewReader("tiny"), 60<<20)
	runtime.ReadMemStats(&after)
	if allocs := after.TotalAlloc - before.TotalAlloc; allocs > 4*declared.UpFront {
		t.Errorf("allocated %d bytes for a 4-byte body that declared 60 MiB", allocs)
	}
}

// A body over UpFront is returned in a buffer of its own length: the
// request or answer it holds keeps no spare memory.
func TestReadKeepsNoSpareCapacity(t *testing.T) {
	for _, n := range []int{declared.UpFront + 1, 3*declared.UpFront + 5, 8 * declared.UpFront} {
		body := strings.Repeat("x", n)
		// One byte per read at first, then the rest: the growth must not
		// depend on how the reader splits the body.
		b, err := declared.Read(io.MultiReader(strings.NewReader(body[:1]), strings.NewReader(body[1:])), int64(n))
		if err != nil || string(b) != body {
			t.Fatalf("n=%d: %d bytes, %v; want the body", n, len(b), err)
		}
		if cap(b) != n {
			t.Errorf("n=%d: the body is held in %d bytes", n, cap(b))
		}
	}
}

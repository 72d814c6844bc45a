// Package declared reads a body of a declared length without trusting the
// declaration for its memory: the engine's upstream answers and the
// gateway's request bodies share it.
package declared

import (
	"bytes"
	"io"
)

// UpFront is the largest declared length Read allocates before the bytes
// arrive.
const UpFront = 1 << 20

// Read reads exactly n bytes from r. Up to UpFront of them are allocated
// at once; past that the buffer grows with what r sends, so that a length
// declared and never sent holds no memory. A body that ends early is
// io.ErrUnexpectedEOF.
func Read(r io.Reader, n int64) ([]byte, error) {
	if n <= UpFront {
		b := make([]byte, max(n, 0))
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	var buf bytes.Buffer
	buf.Grow(UpFront)
	if _, err := io.CopyN(&buf, r, n); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf.Bytes(), nil
}

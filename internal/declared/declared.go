// Package declared reads a body of a declared length without trusting the
// declaration for its memory: the engine's upstream answers and the
// gateway's request bodies share it.
package declared

import (
	"io"
)

// UpFront is the largest declared length Read allocates before the bytes
// arrive.
const UpFront = 1 << 20

// Read reads exactly n bytes from r. Up to UpFront of them are allocated
// at once; past that the buffer doubles as r sends more, up to n, so that
// a length declared and never sent holds no memory and the body returned
// holds no more than n. A body that ends early is io.ErrUnexpectedEOF.
func Read(r io.Reader, n int64) ([]byte, error) {
	if n <= UpFront {
		b := make([]byte, max(n, 0))
		if _, err := io.ReadFull(r, b); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF // nothing of a body that has a length
			}
			return nil, err
		}
		return b, nil
	}
	b := make([]byte, 0, UpFront)
	for int64(len(b)) < n {
		if len(b) == cap(b) {
			grown := make([]byte, len(b), min(2*int64(cap(b)), n))
			copy(grown, b)
			b = grown
		}
		m, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err != nil && int64(len(b)) < n {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return b, nil
}

package lifeline

import (
	"bytes"
	"encoding/hex"
	"io"
	"math/rand/v2"
)

// Header values shared by every upstream request. They are never modified.
var (
	jsonContentType   = []string{"application/json"}
	eventStreamAccept = []string{"text/event-stream"}
)

// newKey returns a random UUIDv4 string, the idempotency key of a request
// whose caller sent none.
func newKey() string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := rand.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// readCloser is a response body held in memory.
type readCloser struct{ bytes.Reader }

// Close implements io.Closer.
func (*readCloser) Close() error { return nil }

var _ io.ReadCloser = (*readCloser)(nil)

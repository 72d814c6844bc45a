package lifeline

import (
	"bytes"
	"crypto/rand"
	"io"
	"sync"

	"github.com/google/uuid"
)

// Header values shared by every upstream request. They are never modified.
var (
	jsonContentType   = []string{"application/json"}
	eventStreamAccept = []string{"text/event-stream"}
)

// keySource makes the idempotency keys of requests whose caller sent none:
// random UUIDv4s cut from blocks of crypto/rand, so that a key costs no
// system call.
type keySource struct {
	mu   sync.Mutex
	left int // unused bytes at the end of rnd
	rnd  [4096]byte
}

func (k *keySource) next() string {
	var u uuid.UUID
	k.mu.Lock()
	if k.left < len(u) {
		if _, err := rand.Read(k.rnd[:]); err != nil {
			k.mu.Unlock()
			return uuid.New().String() // panics only if the system has no randomness
		}
		k.left = len(k.rnd)
	}
	copy(u[:], k.rnd[len(k.rnd)-k.left:])
	k.left -= len(u)
	k.mu.Unlock()
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant RFC 9562
	return u.String()
}

// readCloser is a response body held in memory.
type readCloser struct{ bytes.Reader }

// Close implements io.Closer.
func (*readCloser) Close() error { return nil }

var _ io.ReadCloser = (*readCloser)(nil)

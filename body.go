package lifeline

import (
	"bufio"
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
// random UUIDv4s read from crypto/rand in blocks, so that a key costs no
// system call.
type keySource struct {
	mu  sync.Mutex
	rnd *bufio.Reader
}

func (k *keySource) next() string {
	k.mu.Lock()
	if k.rnd == nil {
		k.rnd = bufio.NewReaderSize(rand.Reader, 4096)
	}
	u, err := uuid.NewRandomFromReader(k.rnd)
	k.mu.Unlock()
	if err != nil {
		u = uuid.New() // panics only if the system has no randomness
	}
	return u.String()
}

// readCloser is a response body held in memory.
type readCloser struct{ bytes.Reader }

// Close implements io.Closer.
func (*readCloser) Close() error { return nil }

var _ io.ReadCloser = (*readCloser)(nil)

package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync/atomic"
)

// idSource makes request ids: a random per-process prefix and a counter,
// unique across replicas and cheap to produce.
type idSource struct {
	prefix string
	n      atomic.Uint64
}

func newIDSource() *idSource {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &idSource{prefix: "req_" + hex.EncodeToString(b[:]) + "_"}
}

func (s *idSource) next() string {
	var buf [48]byte
	out := append(buf[:0], s.prefix...)
	out = strconv.AppendUint(out, s.n.Add(1), 36)
	return string(out)
}

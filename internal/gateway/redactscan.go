package gateway

import (
	"bytes"
	"unsafe"
)

// fewSecrets is the number of credentials up to which the redactor looks
// for each one in turn (bytes.Index runs at memory speed); past it, one
// pass of a rolling hash finds any of them, so the cost of checking an
// answer follows its length, not its length times the number of keys.
const fewSecrets = 4

// filterBits sizes the bit set of secret endings (2^filterBits bits):
// with a few thousand secrets, a position of ordinary text hits a set bit
// well under one time in a hundred.
const filterBits = 18

// rollBase is the rolling hash's multiplier.
const rollBase = 0x01000193

// tailScan finds whether a text holds any of many secrets: the
// Rabin–Karp hash of every minSecretLen-byte window is looked up in a bit
// set of the secrets' last minSecretLen bytes, and only a hit is checked
// against the secrets that end that way. Their endings, not their
// beginnings: keys of one vendor share a prefix ("sk-ant-api03-").
type tailScan struct {
	bits  []uint64
	ends  map[uint32][]int // hash of the last minSecretLen bytes -> indexes in raw
	raw   [][]byte
	shift uint32 // rollBase^(minSecretLen-1), to take a byte out
}

func newTailScan(raw [][]byte) *tailScan {
	p := &tailScan{bits: make([]uint64, 1<<filterBits/64), ends: map[uint32][]int{}, raw: raw, shift: 1}
	for range minSecretLen - 1 {
		p.shift *= rollBase
	}
	for i, s := range raw {
		h := windowHash(s[len(s)-minSecretLen:])
		b := bitOf(h)
		p.bits[b/64] |= 1 << (b % 64)
		p.ends[h] = append(p.ends[h], i)
	}
	return p
}

func windowHash(w []byte) uint32 {
	var h uint32
	for _, c := range w {
		h = h*rollBase + uint32(c)
	}
	return h
}

// bitOf spreads a hash over the bit set.
func bitOf(h uint32) uint32 { return (h * 0x9E3779B1) >> (32 - filterBits) }

// holds reports whether b contains any of the secrets.
func (p *tailScan) holds(b []byte) bool {
	if len(b) < minSecretLen {
		return false
	}
	h := windowHash(b[:minSecretLen])
	for i := 0; ; i++ {
		if bit := bitOf(h); p.bits[bit/64]&(1<<(bit%64)) != 0 {
			end := i + minSecretLen
			for _, j := range p.ends[h] {
				if s := p.raw[j]; len(s) <= end && bytes.Equal(b[end-len(s):end], s) {
					return true
				}
			}
		}
		if i+minSecretLen >= len(b) {
			return false
		}
		h = (h-uint32(b[i])*p.shift)*rollBase + uint32(b[i+minSecretLen])
	}
}

// holdsString is holds for a string, read in place.
func (p *tailScan) holdsString(s string) bool {
	return p.holds(unsafe.Slice(unsafe.StringData(s), len(s)))
}

package credential

import (
	"bytes"
	"unsafe"
)

// fewForms is the number of forms up to which a Set looks for each one in
// turn (bytes.Index runs at memory speed); past it, one pass of a rolling
// hash finds any of them, so the cost of checking a text follows its
// length, not its length times the number of credentials.
const fewForms = 8

// minScanLen is the shortest form a tailScan can look for: shorter ones
// leave a Set to look for each form in turn.
const minScanLen = 8

// filterBits sizes the bit set of form endings (2^filterBits bits): with a
// few thousand forms, a position of ordinary text hits a set bit well
// under one time in a hundred.
const filterBits = 18

// rollBase is the rolling hash's multiplier.
const rollBase = 0x01000193

// tailScan finds whether a text holds any of many forms: the Rabin–Karp
// hash of every window of the shortest form's length is looked up in a
// bit set of the forms' endings of that length, and only a hit is checked
// against the forms that end that way. Their endings, not their
// beginnings: keys of one vendor share a prefix ("sk-ant-api03-").
type tailScan struct {
	window int
	bits   []uint64
	ends   map[uint32][]int // hash of a form's last window bytes -> indexes in raw
	raw    [][]byte
	shift  uint32 // rollBase^(window-1), to take a byte out
}

// newTailScan returns a scan for raw, whose shortest form is window long.
func newTailScan(raw [][]byte, window int) *tailScan {
	p := &tailScan{window: window, bits: make([]uint64, 1<<filterBits/64), ends: map[uint32][]int{}, raw: raw, shift: 1}
	for range window - 1 {
		p.shift *= rollBase
	}
	for i, s := range raw {
		h := windowHash(s[len(s)-window:])
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

// holds reports whether b contains any of the forms.
func (p *tailScan) holds(b []byte) bool {
	w := p.window
	if len(b) < w {
		return false
	}
	h := windowHash(b[:w])
	for i := 0; ; i++ {
		if bit := bitOf(h); p.bits[bit/64]&(1<<(bit%64)) != 0 {
			end := i + w
			for _, j := range p.ends[h] {
				if s := p.raw[j]; len(s) <= end && bytes.Equal(b[end-len(s):end], s) {
					return true
				}
			}
		}
		if i+w >= len(b) {
			return false
		}
		h = (h-uint32(b[i])*p.shift)*rollBase + uint32(b[i+w])
	}
}

// holdsString is holds for a string, read in place.
func (p *tailScan) holdsString(s string) bool {
	return p.holds(unsafe.Slice(unsafe.StringData(s), len(s)))
}

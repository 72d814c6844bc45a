package mock

// Everything random in the mock is a pure function of the seed, the
// request's sequence number n and a salt naming the use, so a run is
// reproducible whatever the request concurrency.

// Salts separating the independent draws of one request.
const (
	saltFault uint64 = iota + 1
	saltLatency
	saltTTFT
	saltEvent
	saltID
)

// mix is the splitmix64 finaliser: a bijective 64-bit hash.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// draw returns a hash of (seed, n, salt).
func draw(seed, n, salt uint64) uint64 {
	return mix(mix(seed+0x9e3779b97f4a7c15*(n+1)) ^ (salt * 0xd1b54a32d192ed03))
}

// unit maps a hash to a float64 in [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// picker draws a fault from a mix. It is immutable after newPicker.
type picker struct {
	seed uint64
	// cum[i] is the cumulative probability of faultTable[1..i]; a draw u
	// picks the first fault with u < cum[i], None when there is none.
	cum [numFaults]float64
}

func newPicker(seed uint64, faults map[Fault]float64) picker {
	p := picker{seed: seed}
	acc := 0.0
	for i := 1; i < numFaults; i++ {
		acc += faults[faultTable[i].fault]
		p.cum[i] = acc
	}
	return p
}

// pick returns the fault of the n-th request.
func (p *picker) pick(n uint64) Fault {
	u := unit(draw(p.seed, n, saltFault))
	for i := 1; i < numFaults; i++ {
		if u < p.cum[i] {
			return faultTable[i].fault
		}
	}
	return None
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// appendID appends prefix and n base-62 characters derived from h to dst.
func appendID(dst []byte, prefix string, h uint64, n int) []byte {
	dst = append(dst, prefix...)
	x := h
	for i := range n {
		if i%10 == 9 { // 10 digits use ~60 bits; refill
			x = mix(h + uint64(i))
		}
		dst = append(dst, base62[x%62])
		x /= 62
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendHex appends 2×8 hex digits of two hashes.
func appendHex(dst []byte, a, b uint64) []byte {
	for _, x := range [2]uint64{a, b} {
		for i := 60; i >= 0; i -= 4 {
			dst = append(dst, hexDigits[(x>>uint(i))&15])
		}
	}
	return dst
}

// fnv64 hashes a string (FNV-1a).
func fnv64(s string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return h
}

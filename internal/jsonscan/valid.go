package jsonscan

import (
	"encoding/binary"
	"math/bits"
)

// maxDepth is encoding/json's limit on nesting: its Valid rejects a text
// with more objects and arrays open at once.
const maxDepth = 10000

// Valid reports whether b is one valid JSON text. It gives the answer of
// encoding/json's Valid on every input, with the same grammar, the same
// whitespace, the same nesting limit, and bytes that are not UTF-8
// accepted inside strings as there, at a fraction of its cost: it reads
// string contents eight bytes at a time and allocates only for nesting
// deeper than 256.
func Valid(b []byte) bool {
	i := ValidValue(b, 0, 0)
	return i >= 0 && SkipSpace(b, i) == len(b)
}

// ValidValue checks the one JSON value that starts at b[i], after any
// whitespace, and returns the index just past it, or -1 if there is no
// valid value there. depth is the number of objects and arrays already open
// around the value: the value may open at most 10000-depth more, so that a
// caller checking the members of an enclosing object itself gets
// encoding/json's nesting limit for the whole text. What follows the value
// is not looked at. It judges the value as Valid does.
func ValidValue(b []byte, i, depth int) int {
	// One bit per container this value opens, set for an object, clear for
	// an array.
	var small [4]uint64
	kinds := small[:]
	limit := maxDepth - depth
	open := 0
	for {
		// A value starts at b[i], after any whitespace.
		i = SkipSpace(b, i)
		if i >= len(b) {
			return -1
		}
		switch c := b[i]; c {
		case '{', '[':
			if open >= limit {
				return -1
			}
			if open>>6 == len(kinds) {
				kinds = append(kinds, 0)
			}
			bit := uint64(1) << (open & 63)
			if c == '{' {
				kinds[open>>6] |= bit
			} else {
				kinds[open>>6] &^= bit
			}
			open++
			i = SkipSpace(b, i+1)
			if i < len(b) && b[i] == c+2 { // '{'+2 is '}', '['+2 is ']'
				i++
				open--
				break
			}
			if c == '{' {
				if i = name(b, i); i < 0 {
					return -1
				}
			}
			continue
		case '"':
			i = stringEnd(b, i+1)
		case 't':
			i = literal(b, i, "true")
		case 'f':
			i = literal(b, i, "false")
		case 'n':
			i = literal(b, i, "null")
		default:
			i = number(b, i)
		}
		if i < 0 {
			return -1
		}
		// After a value: close the containers it ends, or go on to the
		// next element or member.
		for {
			if open == 0 {
				return i
			}
			i = SkipSpace(b, i)
			if i >= len(b) {
				return -1
			}
			object := kinds[(open-1)>>6]>>((open-1)&63)&1 != 0
			if b[i] == ',' {
				i++
				if object {
					if i = name(b, SkipSpace(b, i)); i < 0 {
						return -1
					}
				}
				break
			}
			if object && b[i] != '}' || !object && b[i] != ']' {
				return -1
			}
			i++
			open--
		}
	}
}

// name checks the member name at b[i] and the colon after it, and returns
// the index past the colon, or -1.
func name(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = stringEnd(b, i+1); i < 0 {
		return -1
	}
	if i = SkipSpace(b, i); i >= len(b) || b[i] != ':' {
		return -1
	}
	return i + 1
}

// stringEnd checks the contents of a string from b[i] on and returns the
// index past its closing quote, or -1 for a control character, a bad
// escape or a string cut by the end of b.
func stringEnd(b []byte, i int) int {
	for {
		// Eight bytes at a time while none is a quote, a backslash or a
		// control character; as in SkipString, the lowest flag is exact.
		for i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			q := x ^ (lsb * '"')
			s := x ^ (lsb * '\\')
			m := ((q-lsb)&^q | (s-lsb)&^s | (x-lsb*0x20)&^x) & msb
			if m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(b) {
			return -1
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c == '\\':
			if i+1 >= len(b) {
				return -1
			}
			switch b[i+1] {
			case 'b', 'f', 'n', 'r', 't', '\\', '/', '"':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return -1
				}
				i += 6
			default:
				return -1
			}
		case c < 0x20:
			return -1
		default:
			i++
		}
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// literal returns the index past the literal lit at b[i], or -1.
func literal(b []byte, i int, lit string) int {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}

// number returns the index past the number at b[i], or -1: an optional
// minus, 0 or digits not starting with 0, then optionally a fraction and
// an exponent, each with at least one digit.
func number(b []byte, i int) int {
	if b[i] == '-' {
		if i++; i >= len(b) {
			return -1
		}
	}
	switch {
	case b[i] == '0':
		i++
	case isDigit(b[i]):
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		if i++; i >= len(b) || !isDigit(b[i]) {
			return -1
		}
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		if i++; i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return -1
		}
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	}
	return i
}

package validate

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/lifelinehq/lifeline/internal/jsonscan"
)

// Scanning JSON text whose syntax was already checked, and word-at-a-time
// scanning of string contents: most bytes of a JSON text are inside
// strings, and most string bytes need no attention. Skipping a whole value
// is jsonscan.SkipValue.

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// special reports whether one of the eight bytes of x may be '"', '\\' or
// a control character. It never misses one; it may report a word that has
// none (after a byte below 0x20 borrowed), which only costs a slower look.
func special(x uint64) bool {
	q := x ^ (lsb * '"')
	s := x ^ (lsb * '\\')
	return ((x-lsb*0x20)&^x|(q-lsb)&^q|(s-lsb)&^s)&msb != 0
}

// plainEnd returns the index of the first byte at or after i that is '"',
// '\\' or a control character (len(b) if none), and whether the bytes
// before it include any outside ASCII.
func plainEnd(b []byte, i int) (end int, nonASCII bool) {
	var acc uint64
	for i+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[i:])
		if special(x) {
			break
		}
		acc |= x
		i += 8
	}
	for i < len(b) {
		c := b[i]
		if c == '"' || c == '\\' || c < 0x20 {
			break
		}
		acc |= uint64(c)
		i++
	}
	return i, acc&msb != 0
}

// wsEnd returns the index of the first non-space byte at or after i.
func wsEnd(b []byte, i int) int { return jsonscan.SkipSpace(b, i) }

// stringEnd returns the index just past the string starting at b[i], and
// whether its bytes are its value (no escapes, valid UTF-8).
func stringEnd(b []byte, i int) (int, bool) {
	j := i + 1
	escaped, nonASCII := false, false
	for {
		end, na := plainEnd(b, j)
		j, nonASCII = end, nonASCII || na
		if b[j] == '"' {
			break
		}
		escaped = true
		j += 2 // a backslash and the next byte
	}
	return j + 1, !escaped && (!nonASCII || utf8.Valid(b[i+1:j]))
}

// numberEnd returns the index just past the number starting at b[i].
func numberEnd(b []byte, i int) int {
	for i < len(b) {
		switch c := b[i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			i++
		default:
			return i
		}
	}
	return i
}

// Package jsonscan reads and writes raw JSON text without decoding it.
//
// The readers find values, object members and array elements by scanning
// bytes; they return subslices of their input and allocate nothing. They
// are meant for hot paths (request peeking, stream events, validation of
// checked text) where decoding into structs would cost more than the work
// itself. They give exact answers on valid JSON and are safe on anything
// else: on malformed or cut input they never index past the end of their
// input, always terminate and return some subslice of it (or nil). Callers
// that need to tell valid from invalid text check it first with Valid,
// which answers as encoding/json's Valid does at a fraction of its cost.
//
// AppendString writes a JSON string literal, escaping only what RFC 8259
// requires plus, on request, the two JavaScript line terminators.
package jsonscan

import (
	"encoding/binary"
	"math/bits"
)

// SkipSpace returns the index of the first byte at or after i that is not
// JSON whitespace (space, tab, line feed, carriage return), or len(b).
func SkipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// SkipValue returns the index just past the JSON value starting at b[i].
// An object or array ends at its matching bracket, a string at its closing
// quote, and anything else (a number, true, false, null) at the next
// comma, closing bracket or whitespace. A value cut by the end of b ends
// at len(b); i >= len(b) returns i.
//
// Strings and containers share one loop, which looks bytes up in a table
// between strings and reads string contents eight bytes at a time. A
// string is the case where the loop ends at depth 0 after its closing
// quote, so that a member name costs no call beyond this one.
func SkipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	depth := 0 // brackets open, the first included
	for i < len(b) {
		c := structural[b[i]]
		if c == '.' {
			if depth == 0 {
				return skipWord(b, i)
			}
			i++
			continue
		}
		i++
		if c == '"' {
			// The string's contents as in SkipString: eight bytes at a
			// time while none is a quote or a backslash.
			for {
				if i+8 <= len(b) {
					m := quotesAndBackslashes(binary.LittleEndian.Uint64(b[i:]))
					if m == 0 {
						i += 8
						continue
					}
					i += bits.TrailingZeros64(m) >> 3
				} else if i >= len(b) {
					return len(b)
				}
				if b[i] == '"' {
					break
				}
				if b[i] == '\\' {
					i += 2
				} else {
					i++
				}
			}
			i++ // past the closing quote
			if depth == 0 {
				return i
			}
			continue
		}
		if c == '{' {
			depth++
			continue
		}
		// A closing bracket: it ends the value at depth 1, and at depth 0
		// there is no value.
		if depth <= 1 {
			if depth == 0 {
				return i - 1
			}
			return i
		}
		depth--
	}
	return len(b)
}

// skipWord returns the index of the first comma, closing bracket or
// whitespace at or after i: the end of a number, true, false or null.
func skipWord(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// structural sorts the bytes for SkipValue's loop: '"' for a quote, '{'
// for an opening bracket, '}' for a closing one, '.' for any other byte.
const structural = "" +
	"................" + // 0x00
	"................" + // 0x10
	"..\"............." + // 0x20
	"................" + // 0x30
	"................" + // 0x40
	"...........{.}.." + // 0x50
	"................" + // 0x60
	"...........{.}.." + // 0x70
	"................" + // 0x80
	"................" + // 0x90
	"................" + // 0xa0
	"................" + // 0xb0
	"................" + // 0xc0
	"................" + // 0xd0
	"................" + // 0xe0
	"................" //   0xf0

const (
	lsb = 0x0101010101010101 // the low bit of each byte of a word
	msb = 0x8080808080808080 // the high bit of each byte of a word
)

// quotesAndBackslashes flags the bytes of the little-endian word x that are
// a quote or a backslash: their high bit is set in the result. The lowest
// flag is exact (a false flag only arises from a borrow out of a lower byte
// that is a real match), so the first such byte is at
// bits.TrailingZeros64(m)/8.
func quotesAndBackslashes(x uint64) uint64 {
	q := x ^ (lsb * '"')
	s := x ^ (lsb * '\\')
	return ((q-lsb)&^q | (s-lsb)&^s) & msb
}

// SkipString returns the index just past the JSON string whose opening
// quote is b[i]: past the first unescaped quote after it, or len(b) when
// the string is cut. The contents are not checked.
func SkipString(b []byte, i int) int {
	i++
	for i < len(b) {
		// Eight bytes at a time while none is a quote or a backslash: most
		// bytes of a JSON text are string contents that need no attention.
		if i+8 <= len(b) {
			m := quotesAndBackslashes(binary.LittleEndian.Uint64(b[i:]))
			if m == 0 {
				i += 8
				continue
			}
			// The lowest flagged byte is exact: a false flag only arises
			// from a borrow out of a lower byte that is a real match.
			i += bits.TrailingZeros64(m) >> 3
		}
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			i += 2
		default:
			i++
		}
	}
	return len(b)
}

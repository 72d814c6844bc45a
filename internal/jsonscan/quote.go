package jsonscan

import "unicode/utf8"

// Escape selects the optional escapes of AppendString and AppendEscaped,
// beyond those every JSON string needs.
type Escape uint8

const (
	// Minimal escapes only what RFC 8259 requires: the quote, the
	// backslash and control characters below U+0020.
	Minimal Escape = 0
	// LineTerminators also escapes U+2028 LINE SEPARATOR and U+2029
	// PARAGRAPH SEPARATOR, which JavaScript parsers before ES2019 reject
	// inside a string literal. encoding/json escapes them too.
	LineTerminators Escape = 1
)

const hexDigits = "0123456789abcdef"

// AppendString appends s to dst as a JSON string literal, quotes included.
// Quotes and backslashes are escaped with a backslash; line feed, carriage
// return and tab as \n, \r and \t; other control characters as \u00XX.
// Each byte of invalid UTF-8 becomes \ufffd, as with encoding/json, so the
// result is always valid JSON. HTML characters (<, >, &) are written as
// they are. It allocates only to grow dst.
func AppendString[S ~string | ~[]byte](dst []byte, s S, esc Escape) []byte {
	dst = append(dst, '"')
	dst = AppendEscaped(dst, s, esc)
	return append(dst, '"')
}

// AppendEscaped appends the contents of the JSON string literal for s,
// without the quotes, escaped as by AppendString.
func AppendEscaped[S ~string | ~[]byte](dst []byte, s S, esc Escape) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		n := runeLen(s, i)
		switch {
		case n == 0:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
		case n == 3 && esc&LineTerminators != 0 && s[i] == 0xe2 && s[i+1] == 0x80 && s[i+2]&^1 == 0xa8:
			// U+2028 or U+2029
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[s[i+2]&0xf])
			i += 3
		default:
			i += n
			continue
		}
		start = i
	}
	return append(dst, s[start:]...)
}

// runeLen returns the length of the UTF-8 encoding of a rune that starts
// at s[i], a byte of 0x80 or more; 0 when the bytes there are not valid
// UTF-8, where utf8.DecodeRune reports RuneError of size 1.
func runeLen[S ~string | ~[]byte](s S, i int) int {
	// At most four bytes are converted: on the stack, not the heap.
	r, n := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
	if r == utf8.RuneError && n == 1 {
		return 0
	}
	return n
}

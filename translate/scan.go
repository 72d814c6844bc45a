package translate

// Allocation-free readers of raw JSON values, used on the streaming path
// where decoding each event into structs would cost more than the
// translation; finding members and elements is internal/jsonscan's. Every
// function expects valid JSON (the stream translators check each event
// with jsonscan.Valid first) and stays within bounds on any input.

// isString reports whether v is a raw JSON string.
func isString(v []byte) bool {
	return len(v) >= 2 && v[0] == '"'
}

// nonEmptyString reports whether v is a raw JSON string of at least one
// character.
func nonEmptyString(v []byte) bool {
	return len(v) > 2 && v[0] == '"'
}

// blankString reports whether v is a raw JSON string of whitespace only (or
// empty): spaces and the escapes \n, \r and \t. A \u escape counts as text.
func blankString(v []byte) bool {
	if !isString(v) {
		return false
	}
	in := v[1 : len(v)-1]
	for i := 0; i < len(in); i++ {
		switch in[i] {
		case ' ', '\t', '\n', '\r':
		case '\\':
			if i+1 == len(in) || in[i+1] != 'n' && in[i+1] != 'r' && in[i+1] != 't' {
				return false
			}
			i++
		default:
			return false
		}
	}
	return true
}

// isObject reports whether v is a raw JSON object.
func isObject(v []byte) bool {
	return len(v) >= 2 && v[0] == '{'
}

// strContent returns the bytes between the quotes of a raw JSON string, for
// comparison with plain ASCII names; nil when v is not a string.
func strContent(v []byte) []byte {
	if !isString(v) {
		return nil
	}
	return v[1 : len(v)-1]
}

// maxCount bounds the token counts and indices read from a stream, so sums
// of them cannot overflow.
const maxCount = 1 << 40

// count parses a raw JSON non-negative integer. Anything else (null,
// negative, fractional, out of range) reads as 0.
func count(v []byte) int64 {
	if len(v) == 0 {
		return 0
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int64(c-'0')
		if n > maxCount {
			return 0
		}
	}
	return n
}

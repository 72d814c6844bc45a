package translate

// Allocation-free readers of raw JSON, used on the streaming path where
// decoding each event into structs would cost more than the translation.
// Every function expects valid JSON (the stream translators check each
// event with json.Valid first) and stays within bounds on any input.

// member returns the raw value of key in the JSON object obj, or nil when
// obj is not an object or has no such member.
func member(obj []byte, key string) []byte {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil
	}
	i++
	for {
		i = skipSpace(obj, i)
		if i >= len(obj) || obj[i] == '}' {
			return nil
		}
		if obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
		ke := skipValue(obj, i)
		if ke-i < 2 {
			return nil
		}
		k := obj[i+1 : ke-1]
		i = skipSpace(obj, ke)
		i = skipSpace(obj, i+1)
		ve := skipValue(obj, i)
		if ve <= i {
			return nil
		}
		if string(k) == key {
			return obj[i:ve]
		}
		i = ve
	}
}

// members calls fn with each key (without quotes) and raw value of the JSON
// object obj, until fn returns false.
func members(obj []byte, fn func(key, val []byte) bool) {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return
	}
	i++
	for {
		i = skipSpace(obj, i)
		if i >= len(obj) || obj[i] == '}' {
			return
		}
		if obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
		ke := skipValue(obj, i)
		if ke-i < 2 {
			return
		}
		k := obj[i+1 : ke-1]
		i = skipSpace(obj, ke)
		i = skipSpace(obj, i+1)
		ve := skipValue(obj, i)
		if ve <= i || !fn(k, obj[i:ve]) {
			return
		}
		i = ve
	}
}

// first returns the first element of the JSON array arr, or nil.
func first(arr []byte) []byte {
	var el []byte
	elements(arr, func(e []byte) bool { el = e; return false })
	return el
}

// elements calls fn with each element of the JSON array arr until fn
// returns false.
func elements(arr []byte, fn func(el []byte) bool) {
	i := skipSpace(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return
	}
	i++
	for {
		i = skipSpace(arr, i)
		if i >= len(arr) || arr[i] == ']' {
			return
		}
		if arr[i] == ',' {
			i = skipSpace(arr, i+1)
		}
		e := skipValue(arr, i)
		if e <= i || !fn(arr[i:e]) {
			return
		}
		i = e
	}
}

// isString reports whether v is a raw JSON string.
func isString(v []byte) bool {
	return len(v) >= 2 && v[0] == '"'
}

// nonEmptyString reports whether v is a raw JSON string of at least one
// character.
func nonEmptyString(v []byte) bool {
	return len(v) > 2 && v[0] == '"'
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

func skipSpace(b []byte, i int) int {
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

// skipValue returns the index just past the JSON value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	default:
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

func skipString(b []byte, i int) int {
	i++
	for i < len(b) {
		switch b[i] {
		case '\\':
			i += 2
			continue
		case '"':
			return i + 1
		}
		i++
	}
	return len(b)
}

package mock

// A minimal scanner over JSON that json.Valid has accepted: it finds object
// members and array elements without decoding, so reading a request costs
// no reflection and no allocation.

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
	return i
}

// members calls fn with each key (without quotes, escapes left as they are)
// and raw value of the JSON object obj until fn returns false.
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
		key := obj[i+1 : ke-1]
		i = skipSpace(obj, ke)
		i = skipSpace(obj, i+1) // ':'
		ve := skipValue(obj, i)
		if !fn(key, obj[i:ve]) {
			return
		}
		i = ve
	}
}

// member returns the raw value of key in the JSON object obj, or nil.
func member(obj []byte, key string) []byte {
	var out []byte
	members(obj, func(k, v []byte) bool {
		if string(k) == key {
			out = v
			return false
		}
		return true
	})
	return out
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
		if e == i || !fn(arr[i:e]) {
			return
		}
		i = e
	}
}

// isString reports whether v is a JSON string equal to s (no escapes).
func isString(v []byte, s string) bool {
	return len(v) == len(s)+2 && v[0] == '"' && string(v[1:len(v)-1]) == s
}

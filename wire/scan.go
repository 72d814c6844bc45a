package wire

// member returns the raw value of key in the JSON object obj, or nil when
// obj is not an object or has no such member. It does not allocate. On
// malformed JSON it returns some slice of obj or nil, never panics and
// always terminates.
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
		if ke-i < 2 || obj[i] != '"' {
			return nil
		}
		k := obj[i+1 : ke-1]
		i = skipSpace(obj, ke)
		i = skipSpace(obj, i+1)
		if i >= len(obj) {
			return nil
		}
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

// elements calls fn with each element of the JSON array arr until fn
// returns false. It does not allocate, and on malformed JSON it stops.
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
		if i >= len(arr) {
			return
		}
		e := skipValue(arr, i)
		if e <= i || !fn(arr[i:e]) {
			return
		}
		i = e
	}
}

// nonEmpty reports whether a raw JSON value carries something: a non-empty
// string, a non-empty array or object, a number or true.
func nonEmpty(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	switch v[0] {
	case 'n', 'f':
		return false
	case '"':
		return len(v) > 2
	case '[', '{':
		j := skipSpace(v, 1)
		return j < len(v) && v[j] != ']' && v[j] != '}'
	}
	return true
}

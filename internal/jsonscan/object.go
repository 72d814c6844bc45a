package jsonscan

// Member returns the raw value of the first member named key in the JSON
// object obj, or nil when obj is not an object or has no such member.
// Names are compared as written, escapes and all: a member written
// "mod\u0065l" is not found as "model".
func Member(obj []byte, key string) []byte {
	i := SkipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil
	}
	i++
	for {
		i = SkipSpace(obj, i)
		if i >= len(obj) || obj[i] == '}' {
			return nil
		}
		if obj[i] == ',' {
			i = SkipSpace(obj, i+1)
		}
		ke := SkipValue(obj, i)
		if ke-i < 2 || obj[i] != '"' {
			return nil
		}
		k := obj[i+1 : ke-1]
		i = SkipSpace(obj, ke)
		i = SkipSpace(obj, i+1) // past ':'
		if i >= len(obj) {
			return nil
		}
		ve := SkipValue(obj, i)
		if ve <= i {
			return nil
		}
		if string(k) == key {
			return obj[i:ve]
		}
		i = ve
	}
}

// Members calls fn with the name (without its quotes, escapes left as
// written) and raw value of each member of the JSON object obj, in order,
// until fn returns false. It does nothing when obj is not an object.
func Members(obj []byte, fn func(key, val []byte) bool) {
	i := SkipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return
	}
	i++
	for {
		i = SkipSpace(obj, i)
		if i >= len(obj) || obj[i] == '}' {
			return
		}
		if obj[i] == ',' {
			i = SkipSpace(obj, i+1)
		}
		ke := SkipValue(obj, i)
		if ke-i < 2 || obj[i] != '"' {
			return
		}
		k := obj[i+1 : ke-1]
		i = SkipSpace(obj, ke)
		i = SkipSpace(obj, i+1) // past ':'
		if i >= len(obj) {
			return
		}
		ve := SkipValue(obj, i)
		if ve <= i || !fn(k, obj[i:ve]) {
			return
		}
		i = ve
	}
}

// Elements calls fn with each element of the JSON array arr, in order,
// until fn returns false. It does nothing when arr is not an array.
func Elements(arr []byte, fn func(el []byte) bool) {
	i := SkipSpace(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return
	}
	i++
	for {
		i = SkipSpace(arr, i)
		if i >= len(arr) || arr[i] == ']' {
			return
		}
		if arr[i] == ',' {
			i = SkipSpace(arr, i+1)
		}
		e := SkipValue(arr, i)
		if e <= i || !fn(arr[i:e]) {
			return
		}
		i = e
	}
}

// NonEmpty reports whether the raw JSON value v carries something: a
// string of at least one character, an array or object with at least one
// element or member, a number, or true. It is false for null, false, "",
// [], {} and an absent (empty) value.
func NonEmpty(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	switch v[0] {
	case 'n', 'f':
		return false
	case '"':
		return len(v) > 2
	case '[', '{':
		j := SkipSpace(v, 1)
		return j < len(v) && v[j] != ']' && v[j] != '}'
	}
	return true
}

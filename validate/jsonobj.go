package validate

import "github.com/lifelinehq/lifeline/internal/jsonscan"

// Readers for JSON text whose syntax was already checked: they find
// members and elements without decoding anything else.

// eachMember calls fn with the name and raw value of each member of the
// object obj. It reports false when obj is not an object.
func eachMember(obj []byte, fn func(name, val []byte)) bool {
	i := wsEnd(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return false
	}
	i = wsEnd(obj, i+1)
	if obj[i] == '}' {
		return true
	}
	for {
		ke, plain := stringEnd(obj, i)
		name := obj[i+1 : ke-1]
		if !plain {
			name = []byte(unescape(name))
		}
		i = wsEnd(obj, wsEnd(obj, ke)+1) // past ':'
		ve := jsonscan.SkipValue(obj, i)
		fn(name, obj[i:ve])
		i = wsEnd(obj, ve)
		if obj[i] == '}' {
			return true
		}
		i = wsEnd(obj, i+1) // past ','
	}
}

// member returns the raw value of the named member of obj; nil when obj is
// not an object or has no such member. The last of repeated names wins, as
// with encoding/json.
func member(obj []byte, name string) []byte {
	var v []byte
	eachMember(obj, func(n, val []byte) {
		if string(n) == name {
			v = val
		}
	})
	return v
}

// members2 returns the raw values of two members of obj in one pass.
func members2(obj []byte, a, b string) (va, vb []byte) {
	eachMember(obj, func(n, val []byte) {
		switch string(n) {
		case a:
			va = val
		case b:
			vb = val
		}
	})
	return va, vb
}

// eachElement calls fn with each element of the array arr. It reports
// false when arr is not an array.
func eachElement(arr []byte, fn func(el []byte)) bool {
	i := wsEnd(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return false
	}
	i = wsEnd(arr, i+1)
	if arr[i] == ']' {
		return true
	}
	for {
		e := jsonscan.SkipValue(arr, i)
		fn(arr[i:e])
		i = wsEnd(arr, e)
		if arr[i] == ']' {
			return true
		}
		i = wsEnd(arr, i+1) // past ','
	}
}

// stringValue returns the value of the JSON string v; false when v is not
// a string.
func stringValue(v []byte) (string, bool) {
	if len(v) == 0 || v[0] != '"' {
		return "", false
	}
	end, plain := stringEnd(v, 0)
	if plain {
		return string(v[1 : end-1]), true
	}
	return unescape(v[1 : end-1]), true
}

// isNull reports whether a raw member is absent or null.
func isNull(raw []byte) bool {
	return len(raw) == 0 || string(raw) == "null"
}

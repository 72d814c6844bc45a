package mock

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/lifelinehq/lifeline/internal/jsonscan"
)

// appendJSONString appends s as a JSON string literal, escaping quotes,
// backslashes, control characters and invalid UTF-8 (the mock's answers
// write U+2028 and U+2029 as they are).
func appendJSONString[S ~string | ~[]byte](dst []byte, s S) []byte {
	return jsonscan.AppendString(dst, s, jsonscan.Minimal)
}

// appendEscaped appends the body of a JSON string literal for s, without
// the quotes.
func appendEscaped[S ~string | ~[]byte](dst []byte, s S) []byte {
	return jsonscan.AppendEscaped(dst, s, jsonscan.Minimal)
}

// appendInt appends a decimal integer.
func appendInt(dst []byte, n int) []byte { return strconv.AppendInt(dst, int64(n), 10) }

// jsonString returns s encoded as a JSON string literal.
func jsonString(s string) []byte { return appendJSONString(nil, s) }

// unquote decodes a JSON string literal (quotes included).
func unquote(v []byte) string {
	if len(v) < 2 || v[0] != '"' {
		return ""
	}
	plain := true
	for _, c := range v[1 : len(v)-1] {
		if c == '\\' || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return string(v[1 : len(v)-1])
	}
	var s string
	_ = json.Unmarshal(v, &s)
	return s
}

// isString reports whether v is a JSON string equal to s (no escapes).
func isString(v []byte, s string) bool {
	return len(v) == len(s)+2 && v[0] == '"' && string(v[1:len(v)-1]) == s
}

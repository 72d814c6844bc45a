package translate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Tool call id lengths: Anthropic takes ids of 64 bytes at most, OpenAI of
// 40 ("string too long. Expected a string with maximum length 40"). An id
// rewritten for either fits both.
const (
	maxAnthropicToolID = 64
	maxOpenAIToolID    = 40
)

// anthropicToolID returns a tool call id Anthropic takes for id, which came
// from an OpenAI-dialect history: Anthropic refuses a tool_use id (and so a
// tool_result's tool_use_id) outside ^[a-zA-Z0-9_-]+$, and OpenAI-compatible
// providers mint ids such as "functions.get_weather:0". An id Anthropic
// takes is kept; any other has each refused byte replaced by '_' and ends
// with 8 hex digits of the SHA-256 of the original, within 40 bytes, so a
// tool_use and its result get the same id on every turn and two ids that
// differ only by refused bytes stay distinct. An empty id is kept, for the
// provider to refuse.
func anthropicToolID(id string) string {
	if id == "" || len(id) <= maxAnthropicToolID && anthropicIDBytes(id) {
		return id
	}
	return rewriteToolID(id, true)
}

// openAIToolID returns a tool call id OpenAI takes for id, which came from
// an Anthropic-dialect history: an id over 40 bytes is cut and ends with 8
// hex digits of the SHA-256 of the original (see anthropicToolID).
func openAIToolID(id string) string {
	if len(id) <= maxOpenAIToolID {
		return id
	}
	return rewriteToolID(id, false)
}

// rewriteToolID returns id within maxOpenAIToolID bytes, ending with "_"
// and 8 hex digits of its SHA-256; with safe set, the bytes Anthropic
// refuses in an id become '_'.
func rewriteToolID(id string, safe bool) string {
	sum := sha256.Sum256([]byte(id))
	const suffix = 1 + 8 // "_" and 8 hex digits
	n := min(len(id), maxOpenAIToolID-suffix)
	out := make([]byte, 0, n+suffix)
	for i := range n {
		c := id[i]
		if safe && !anthropicIDByte(c) {
			c = '_'
		}
		out = append(out, c)
	}
	out = append(out, '_')
	return string(hex.AppendEncode(out, sum[:4]))
}

// appendAnthropicToolID appends the raw JSON string id (an OpenAI tool call
// id) as anthropicToolID gives it, without decoding an id Anthropic takes.
func appendAnthropicToolID(dst, id []byte) []byte {
	if c := strContent(id); len(c) <= maxAnthropicToolID && anthropicIDBytes(c) && len(c) > 0 {
		return append(dst, id...)
	}
	var s string
	if json.Unmarshal(id, &s) != nil {
		return append(dst, id...)
	}
	dst = append(dst, '"')
	dst = append(dst, anthropicToolID(s)...)
	return append(dst, '"')
}

// anthropicIDBytes reports whether every byte of s is one Anthropic takes in
// a tool id.
func anthropicIDBytes[T string | []byte](s T) bool {
	for i := range len(s) {
		if !anthropicIDByte(s[i]) {
			return false
		}
	}
	return true
}

func anthropicIDByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// Package textclip cuts text for messages to a bound in bytes, at a rune
// boundary, marking the cut: the engine's attempt errors and the
// validators' reasons share it.
package textclip

import "unicode/utf8"

// Mark ends a text that was cut.
const Mark = "…"

// Cut returns s when it holds at most n bytes; else the longest prefix of s
// that ends at a rune boundary and leaves room for Mark, followed by Mark,
// n bytes at most in all (just Mark when n is below its length).
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := max(n-len(Mark), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + Mark
}

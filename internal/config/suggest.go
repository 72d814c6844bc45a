package config

import (
	"fmt"
	"sort"
	"strings"
)

// suggest returns the candidate closest to word when it is close enough to
// be a likely typo (a few edits, or one is a prefix of the other), or "".
func suggest(word string, candidates []string) string {
	best, bestDist := "", -1
	w := strings.ToLower(word)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := editDistance(w, lc)
		if len(w) >= 3 && len(lc) >= 3 && (strings.HasPrefix(w, lc) || strings.HasPrefix(lc, w)) {
			d = min(d, 1) // "warning" for "warn", "over" for "overloaded"
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := 1
	if len(word) >= 5 {
		limit = 2
	}
	if len(word) >= 9 {
		limit = 3
	}
	if bestDist < 0 || bestDist > limit {
		return ""
	}
	return best
}

// choiceFix builds a fix that proposes the closest candidate, then lists
// every candidate: `did you mean "openai"? use one of: anthropic, openai`.
func choiceFix(word string, candidates []string) string {
	list := strings.Join(candidates, ", ")
	if s := suggest(word, candidates); s != "" && s != word {
		return fmt.Sprintf("did you mean %q? use one of: %s", s, list)
	}
	return "use one of: " + list
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// editDistance is the Levenshtein distance with transpositions counted as
// one edit (optimal string alignment).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

package mock

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// faultArg is X-Mock-Fault-Arg read as tokens separated by ':' or ',': an
// integer (a count N), a duration, and a word (a format, kind or mode).
type faultArg struct {
	n    int
	dur  time.Duration
	word string

	hasN, hasDur bool // whether a count, a duration was given
}

// parseArg reads X-Mock-Fault-Arg. A token that is a negative count or
// duration, or a second token of one kind, is an error.
func parseArg(s string) (faultArg, error) {
	var a faultArg
	for tok := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ':' || r == ',' || r == ' ' }) {
		if n, err := strconv.Atoi(tok); err == nil {
			if n < 0 || a.hasN {
				return a, fmt.Errorf("%q: want at most one count, not negative", tok)
			}
			a.n, a.hasN = n, true
		} else if d, err := time.ParseDuration(tok); err == nil {
			if d < 0 || a.hasDur {
				return a, fmt.Errorf("%q: want at most one duration, not negative", tok)
			}
			a.dur, a.hasDur = d, true
		} else {
			if a.word != "" {
				return a, fmt.Errorf("%q: want at most one word, got %q too", tok, a.word)
			}
			a.word = strings.ToLower(tok)
		}
	}
	return a, nil
}

// argSpec is what X-Mock-Fault-Arg may hold for one fault.
type argSpec struct {
	count, dur bool
	words      []string // the words taken; nil with anyWord false: no word
	anyWord    bool     // any word (a provider's error code)
}

// argSpecs lists the arguments each fault takes; a fault missing here
// takes none.
var argSpecs = map[Fault]argSpec{
	RateLimit:         {dur: true, words: []string{"retry-after", "retry-after-ms", "http-date", "reset", "none"}},
	Quota:             {anyWord: true},
	Hang:              {dur: true},
	Stall:             {count: true, dur: true},
	StreamErrorBefore: {words: []string{"overloaded", "server_error"}},
	StreamErrorAfter:  {count: true, words: []string{"overloaded", "server_error"}},
	Cut:               {count: true},
	BadSchema:         {words: []string{"missing", "type"}},
	BadToolArgs:       {words: []string{"schema", "not_json", "json"}},
}

// checkArg reports an argument the forced fault f does not take.
func checkArg(f Fault, a faultArg) error {
	sp, ok := argSpecs[f]
	if !ok {
		if a != (faultArg{}) {
			return fmt.Errorf("%s takes no argument", f)
		}
		return nil
	}
	switch {
	case a.hasN && !sp.count:
		return fmt.Errorf("%s takes no count (%d); a wait or a bound is a duration such as 250ms", f, a.n)
	case a.hasDur && !sp.dur:
		return fmt.Errorf("%s takes no duration (%s)", f, a.dur)
	case a.word != "" && !sp.anyWord && !slices.Contains(sp.words, a.word):
		if sp.words == nil {
			return fmt.Errorf("%s takes no word (%q)", f, a.word)
		}
		return fmt.Errorf("%s takes %s, not %q", f, strings.Join(sp.words, ", "), a.word)
	}
	return nil
}

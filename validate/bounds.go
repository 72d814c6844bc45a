package validate

import (
	"fmt"
	"regexp"
	"regexp/syntax"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Bounds on what one schema may cost to compile and keep. A schema comes
// from the route's config or from a client's request (its response format,
// each tool's parameters); the bounds are far above what the providers
// accept (OpenAI: at most 5,000 properties and 1,000 enum values in a
// structured-output schema), so only a schema built to exhaust the gateway
// meets them.
const (
	// maxSchemaObjects bounds the JSON objects in a schema: the compiler's
	// time grows with the square of its subschemas (10,000 take about half
	// a second).
	maxSchemaObjects = 10_000
	// maxRequestSchemaObjects bounds the JSON objects of all the schemas
	// one request sends (its response format and every tool's), each
	// compiled on its own (OpenAI takes at most 128 tools).
	maxRequestSchemaObjects = 20_000
	// maxPatternInsts bounds the regexp instructions that all the
	// patterns of a schema (pattern, patternProperties) compile to, about
	// 50 bytes each: a counted repetition multiplies its operand, so a
	// few KiB of pattern text can compile to tens of MiB.
	maxPatternInsts = 100_000
	// maxCacheWeight bounds the estimated memory of the compiled schemas a
	// Cache keeps (see weight).
	maxCacheWeight = 256 << 20
)

// weight estimates the memory a compiled schema holds: its parsed and
// compiled forms take up to about 40 bytes per byte of text, and each
// regexp instruction about 50 bytes.
func weight(textLen, patternInsts int) int { return 40*textLen + 50*patternInsts }

// countObjects returns the JSON objects in the parsed document v, counting
// no further than limit+1.
func countObjects(v any, limit int) int {
	n := 0
	var walk func(v any)
	walk = func(v any) {
		if n > limit {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			n++
			for _, m := range x {
				walk(m)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return n
}

// errPatternsTooLarge refuses a schema whose patterns exceed
// maxPatternInsts.
var errPatternsTooLarge = fmt.Errorf("too large: its patterns compile to more than %d regexp instructions in all", maxPatternInsts)

// patterns is the regexp engine of one schema's compilation: it compiles
// each distinct pattern once with Go's regexp, after estimating its
// program's size, and refuses the pattern that takes the schema's
// patterns past maxPatternInsts in all.
type patterns struct {
	insts int                       // estimated instructions of the patterns compiled
	done  map[string]*regexp.Regexp // by text: the meta-schema check compiles each pattern too
}

func (p *patterns) compile(s string) (jsonschema.Regexp, error) {
	if re, ok := p.done[s]; ok {
		return re, nil
	}
	parsed, err := syntax.Parse(s, syntax.Perl)
	if err != nil {
		return nil, err
	}
	if p.insts += progSize(parsed, maxPatternInsts+1); p.insts > maxPatternInsts {
		return nil, errPatternsTooLarge
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, err
	}
	if p.done == nil {
		p.done = map[string]*regexp.Regexp{}
	}
	p.done[s] = re
	return re, nil
}

// progSize estimates, without building it, the number of instructions
// regexp compiles re to, no further than limit: a repetition {n,m} repeats
// its operand max(n, m) times (n+1 when unbounded).
func progSize(re *syntax.Regexp, limit int) int {
	n := 1
	switch re.Op {
	case syntax.OpLiteral:
		n = len(re.Rune)
	case syntax.OpRepeat:
		times := re.Max
		if times < 0 {
			times = re.Min + 1
		}
		sub := progSize(re.Sub[0], limit)
		if times > 0 && sub > limit/times {
			return limit
		}
		return min(limit, 1+times*sub)
	}
	for _, sub := range re.Sub {
		n += progSize(sub, limit)
		if n >= limit {
			return limit
		}
	}
	return n
}

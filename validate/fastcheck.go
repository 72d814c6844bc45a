package validate

import (
	"unicode/utf8"

	"github.com/lifelinehq/lifeline/internal/jsonscan"
)

// The fast checker walks JSON text whose syntax was already checked
// (checkJSON), so it never meets malformed input. It stops at the first
// violation: the library then explains it.
//
// Every sub-check is exact, because under "not" and "oneOf" a wrong
// "invalid" would turn into a wrong "valid". Where exactness would cost
// too much (an object with a repeated or escaped member name, a number
// with an enormous exponent) the checker gives up and the library decides.

// valid reports whether the JSON text b matches n. False means "invalid or
// undecided": ask the library.
func (n *fnode) valid(b []byte) bool {
	c := fcheck{b: b}
	_, ok := c.check(n, wsEnd(b, 0))
	return ok && !c.undecided
}

// fcheck is one run of the fast checker over one JSON text.
type fcheck struct {
	b         []byte
	undecided bool // the result is not known: the library must decide
}

// check validates the value starting at b[i]. When it is valid, end is the
// index just past it.
func (c *fcheck) check(n *fnode, i int) (end int, ok bool) {
	b := c.b
	if n.never || c.undecided {
		return 0, false
	}
	var t uint8
	switch b[i] {
	case '{':
		t = tObject
	case '[':
		t = tArray
	case '"':
		t = tString
	case 't', 'f':
		t = tBoolean
	case 'n':
		t = tNull
	default:
		t = tNumber
	}
	numEnd := 0
	if t == tNumber {
		numEnd = numberEnd(b, i)
	}
	if n.types != 0 && n.types&t == 0 {
		if t != tNumber || n.types&tInteger == 0 {
			return 0, false
		}
		integral, known := isIntegerLit(b[i:numEnd])
		if !known {
			c.undecided = true
		}
		if !integral {
			return 0, false
		}
	}
	switch t {
	case tObject:
		if n.hasEn {
			return 0, false
		}
		end, ok = c.checkObject(n, i)
	case tArray:
		if n.hasEn {
			return 0, false
		}
		end, ok = c.checkArray(n, i)
	case tString:
		end, ok = c.checkString(n, i)
	case tNumber:
		end, ok = numEnd, c.checkNumber(n, b[i:numEnd])
	case tBoolean:
		v := b[i] == 't'
		end, ok = i+5, !n.hasEn || n.enumHas(v)
		if v {
			end = i + 4
		}
	case tNull:
		end, ok = i+4, !n.hasEn || n.enumHas(nil)
	}
	if !ok {
		return 0, false
	}
	return end, c.checkApplicators(n, i)
}

// checkApplicators applies $ref, allOf, anyOf, oneOf and not to the value
// at b[i].
func (c *fcheck) checkApplicators(n *fnode, i int) bool {
	if n.ref != nil {
		if _, ok := c.check(n.ref, i); !ok {
			return false
		}
	}
	for _, m := range n.allOf {
		if _, ok := c.check(m, i); !ok {
			return false
		}
	}
	if len(n.anyOf) > 0 {
		matched := false
		for _, m := range n.anyOf {
			if _, matched = c.check(m, i); matched {
				break
			}
		}
		if !matched {
			return false
		}
	}
	if len(n.oneOf) > 0 {
		matched := 0
		for _, m := range n.oneOf {
			if _, ok := c.check(m, i); ok {
				matched++
			}
		}
		if matched != 1 {
			return false
		}
	}
	if n.not != nil {
		if _, ok := c.check(n.not, i); ok {
			return false
		}
	}
	return true
}

// checkObject checks an object's members. The library sees the last of
// repeated names only, so an object with a repeated name (or an escaped
// one, which might repeat another) is left to it.
func (c *fcheck) checkObject(n *fnode, i int) (int, bool) {
	b := c.b
	if n.props == nil && n.addl == nil && n.maxProps < 0 {
		return jsonscan.SkipValue(b, i), true
	}
	var names memberNames
	count := 0
	i = wsEnd(b, i+1)
	if b[i] == '}' {
		return i + 1, n.required == 0
	}
	for {
		ke := c.memberName(n, &names, i)
		if c.undecided {
			return 0, false
		}
		count++
		i = wsEnd(b, wsEnd(b, ke)+1) // past ':'
		sub := names.last.n
		if sub == nil {
			sub = n.addl
		}
		if sub != nil {
			end, ok := c.check(sub, i)
			if !ok {
				// Invalid, unless a later member repeats a name.
				c.scanNames(n, &names, jsonscan.SkipValue(b, i))
				return 0, false
			}
			i = end
		} else {
			i = jsonscan.SkipValue(b, i)
		}
		i = wsEnd(b, i)
		if b[i] == '}' {
			break
		}
		i = wsEnd(b, i+1) // past ','
	}
	if names.seen&n.required != n.required || n.maxProps >= 0 && count > n.maxProps {
		return 0, false
	}
	return i + 1, true
}

// memberNames are the names of an object's members read so far.
type memberNames struct {
	seen   uint64    // bits of the schema's names
	others [8][2]int // spans of the first other names
	more   [][2]int  // spans of the rest
	n      int       // number of other names
	last   prop      // what the latest name means
}

// memberName reads the name starting at b[i], records it and returns the
// index past it. A repeated or escaped name makes the check undecided.
func (c *fcheck) memberName(n *fnode, names *memberNames, i int) int {
	b := c.b
	ke, plain := stringEnd(b, i)
	raw := b[i+1 : ke-1]
	if !plain {
		c.undecided = true
		return ke
	}
	names.last = prop{}
	if n.props != nil {
		names.last = n.props[string(raw)]
	}
	if bit := names.last.bit; bit != 0 {
		if names.seen&bit != 0 {
			c.undecided = true
		}
		names.seen |= bit
		return ke
	}
	for _, k := range names.others[:min(names.n, len(names.others))] {
		if string(b[k[0]:k[1]]) == string(raw) {
			c.undecided = true
			return ke
		}
	}
	for _, k := range names.more {
		if string(b[k[0]:k[1]]) == string(raw) {
			c.undecided = true
			return ke
		}
	}
	span := [2]int{i + 1, ke - 1}
	if names.n < len(names.others) {
		names.others[names.n] = span
	} else {
		names.more = append(names.more, span)
	}
	names.n++
	return ke
}

// scanNames reads the rest of an object from b[i] (just past a member's
// value) and makes the check undecided if a name repeats or is escaped.
func (c *fcheck) scanNames(n *fnode, names *memberNames, i int) {
	b := c.b
	for !c.undecided {
		i = wsEnd(b, i)
		if b[i] == '}' {
			return
		}
		ke := c.memberName(n, names, wsEnd(b, i+1))
		i = jsonscan.SkipValue(b, wsEnd(b, wsEnd(b, ke)+1))
	}
}

// checkArray applies items, minItems and maxItems.
func (c *fcheck) checkArray(n *fnode, i int) (int, bool) {
	b := c.b
	count := 0
	i = wsEnd(b, i+1)
	if b[i] != ']' {
		for {
			if n.items != nil {
				end, ok := c.check(n.items, i)
				if !ok {
					return 0, false
				}
				i = end
			} else {
				i = jsonscan.SkipValue(b, i)
			}
			count++
			i = wsEnd(b, i)
			if b[i] == ']' {
				break
			}
			i = wsEnd(b, i+1)
		}
	}
	if n.minItems >= 0 && count < n.minItems || n.maxItems >= 0 && count > n.maxItems {
		return 0, false
	}
	return i + 1, true
}

// checkString applies minLength, maxLength, pattern, enum, const and an
// asserted format.
func (c *fcheck) checkString(n *fnode, i int) (int, bool) {
	b := c.b
	end, plain := stringEnd(b, i)
	if !n.hasEn && n.minLen < 0 && n.maxLen < 0 && n.pattern == nil && n.fmt == nil {
		return end, true
	}
	raw := b[i+1 : end-1]
	var s string
	if !plain {
		s = unescape(raw)
	}
	if n.minLen >= 0 || n.maxLen >= 0 {
		l := 0
		if plain {
			l = utf8.RuneCount(raw)
		} else {
			l = utf8.RuneCountInString(s)
		}
		if n.minLen >= 0 && l < n.minLen || n.maxLen >= 0 && l > n.maxLen {
			return 0, false
		}
	}
	if n.pattern != nil {
		if plain && !n.pattern.Match(raw) || !plain && !n.pattern.MatchString(s) {
			return 0, false
		}
	}
	if n.hasEn {
		found := false
		for _, v := range n.enum {
			if e, ok := v.(string); ok && (plain && string(raw) == e || !plain && s == e) {
				found = true
				break
			}
		}
		if !found {
			return 0, false
		}
	}
	if n.fmt != nil {
		if plain {
			s = string(raw)
		}
		if n.fmt.Validate(s) != nil {
			return 0, false
		}
	}
	return end, true
}

// enumHas reports whether the enum holds v (a bool or nil).
func (n *fnode) enumHas(v any) bool {
	for _, e := range n.enum {
		if e == v {
			return true
		}
	}
	return false
}

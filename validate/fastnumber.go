package validate

import (
	"encoding/json"
	"math/big"
	"strconv"
)

// Numbers in the fast checker: exact like the library's big.Rat
// arithmetic, with float64 for the common cases where it decides.

// checkNumber applies enum, const and the bounds to a number literal.
func (c *fcheck) checkNumber(n *fnode, lit []byte) bool {
	if n.hasEn {
		found := false
		for _, v := range n.enum {
			e, ok := v.(json.Number)
			if !ok {
				continue
			}
			eq, known := numberEqual(lit, e)
			if !known {
				c.undecided = true
				return false
			}
			if eq {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if len(n.bounds) == 0 {
		return true
	}
	f := float(lit)
	for _, bd := range n.bounds {
		cmp, known := compareNumber(lit, f, bd)
		if !known {
			c.undecided = true
			return false
		}
		switch bd.op {
		case opMin:
			if cmp < 0 {
				return false
			}
		case opMax:
			if cmp > 0 {
				return false
			}
		case opExclMin:
			if cmp <= 0 {
				return false
			}
		case opExclMax:
			if cmp >= 0 {
				return false
			}
		}
	}
	return true
}

// float returns the float64 nearest to the number literal lit (±Inf when
// out of range).
func float(lit []byte) float64 {
	if isShortInteger(lit) { // exact
		neg, v := lit[0] == '-', int64(0)
		if neg {
			lit = lit[1:]
		}
		for _, c := range lit {
			v = v*10 + int64(c-'0')
		}
		if neg {
			v = -v
		}
		return float64(v)
	}
	f, _ := strconv.ParseFloat(string(lit), 64)
	return f
}

// compareNumber compares the number literal lit (f is its nearest float64)
// with the bound. Rounding to nearest is monotonic, so different floats
// order the exact values; equal floats are equal values when both are
// exact (a bound that is a float64, a short integer literal), and need the
// exact comparison otherwise.
func compareNumber(lit []byte, f float64, bd bound) (cmp int, known bool) {
	switch {
	case f < bd.f:
		return -1, true
	case f > bd.f:
		return 1, true
	case bd.exact && isShortInteger(lit):
		return 0, true
	}
	x, ok := new(big.Rat).SetString(string(lit))
	if !ok {
		return 0, false
	}
	return x.Cmp(bd.r), true
}

// isShortInteger reports whether lit is an integer literal of at most 15
// digits, which float64 holds exactly.
func isShortInteger(lit []byte) bool {
	if lit[0] == '-' {
		lit = lit[1:]
	}
	if len(lit) > 15 {
		return false
	}
	for _, c := range lit {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// numberEqual reports whether the number literal lit equals e in value.
func numberEqual(lit []byte, e json.Number) (eq, known bool) {
	if string(lit) == string(e) {
		return true, true
	}
	ef, _ := strconv.ParseFloat(string(e), 64)
	f, _ := strconv.ParseFloat(string(lit), 64)
	if f != ef {
		return false, true
	}
	x, ok1 := new(big.Rat).SetString(string(lit))
	y, ok2 := new(big.Rat).SetString(string(e))
	if !ok1 || !ok2 {
		return false, false
	}
	return x.Cmp(y) == 0, true
}

// isIntegerLit reports whether a number literal has an integral value
// (1, 1.0, 1e3, 12.5e1). It does not decide (known is false) for an
// exponent beyond ±100000.
func isIntegerLit(lit []byte) (integral, known bool) {
	if lit[0] == '-' {
		lit = lit[1:]
	}
	i := 0
	for i < len(lit) && lit[i] >= '0' && lit[i] <= '9' {
		i++
	}
	intPart, frac := lit[:i], lit[i:i]
	if i < len(lit) && lit[i] == '.' {
		j := i + 1
		for j < len(lit) && lit[j] >= '0' && lit[j] <= '9' {
			j++
		}
		frac, i = lit[i+1:j], j
	}
	exp := 0
	if i < len(lit) { // exponent
		i++
		neg := false
		if lit[i] == '+' || lit[i] == '-' {
			neg = lit[i] == '-'
			i++
		}
		for ; i < len(lit); i++ {
			exp = exp*10 + int(lit[i]-'0')
			if exp > 100000 {
				return false, false
			}
		}
		if neg {
			exp = -exp
		}
	}
	// The digits intPart+frac with the point after len(intPart)+exp of them:
	// integral when every digit after the point is zero.
	point := len(intPart) + exp
	for k := max(point, 0); k < len(intPart)+len(frac); k++ {
		d := byte('0')
		if k < len(intPart) {
			d = intPart[k]
		} else {
			d = frac[k-len(intPart)]
		}
		if d != '0' {
			return false, true
		}
	}
	return true, true
}

package mock

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// Bounds on generation, so recursive or huge schemas stay cheap.
const (
	minimalDepth = 4    // below it, optional properties and items are left out
	maxGenDepth  = 12   // nesting
	maxGenValues = 4096 // values in one document
	maxGenLength = 4096 // minLength honoured
	maxGenItems  = 256  // minItems honoured
)

// generator builds JSON values that satisfy a JSON Schema: objects with
// their properties (required and optional), strings honouring enum, const,
// format and length bounds, numbers and integers inside their bounds,
// booleans, arrays of minItems (at least one) items, and local $refs.
type generator struct {
	root   *node
	values int // values generated so far
}

// schemaOf resolves references and picks the first alternative of
// anyOf/oneOf/allOf that is not the null type.
func (g *generator) schemaOf(s *node) *node {
	for range 8 {
		s = resolve(g.root, s)
		alt := s.get("anyOf")
		if alt == nil {
			alt = s.get("oneOf")
		}
		if alt == nil {
			alt = s.get("allOf")
		}
		if alt == nil || alt.kind != 'a' || len(alt.arr) == 0 {
			return s
		}
		next := alt.arr[0]
		for _, a := range alt.arr {
			if t := resolve(g.root, a).strings("type"); len(t) != 1 || t[0] != "null" {
				next = a
				break
			}
		}
		s = next
	}
	return s
}

// typeOf returns the schema's type: its first non-null "type", or one
// implied by its keywords. "" means any value is accepted.
func typeOf(s *node) string {
	types := s.strings("type")
	for _, t := range types {
		if t != "null" {
			return t
		}
	}
	switch {
	case len(types) > 0:
		return "null"
	case s.get("properties") != nil || s.get("required") != nil:
		return "object"
	case s.get("items") != nil || s.get("prefixItems") != nil:
		return "array"
	}
	return ""
}

// value appends a value of schema s; name is the property it fills.
func (g *generator) value(dst []byte, s *node, name string, depth int) []byte {
	s = g.schemaOf(s)
	if c := s.get("const"); c != nil {
		return c.appendJSON(dst)
	}
	if e := s.get("enum"); e != nil && e.kind == 'a' && len(e.arr) > 0 {
		return e.arr[0].appendJSON(dst)
	}
	g.values++
	if depth > maxGenDepth || g.values > maxGenValues {
		return append(dst, "null"...)
	}
	switch typeOf(s) {
	case "object":
		return g.object(dst, s, "", depth)
	case "array":
		return g.array(dst, s, name, depth)
	case "integer":
		return strconv.AppendInt(dst, int64(numberIn(s, 1, true)), 10)
	case "number":
		return strconv.AppendFloat(dst, numberIn(s, 1.5, false), 'g', -1, 64)
	case "boolean":
		return append(dst, "true"...)
	case "null":
		return append(dst, "null"...)
	}
	return appendJSONString(dst, sampleString(s, name))
}

// object appends an object with every declared property but skip.
func (g *generator) object(dst []byte, s *node, skip string, depth int) []byte {
	dst = append(dst, '{')
	props := s.get("properties")
	required := s.strings("required")
	first := true
	if props != nil {
		for i, k := range props.keys {
			if k == skip || (depth >= minimalDepth && !slices.Contains(required, k)) {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			dst = g.value(dst, props.vals[i], k, depth+1)
		}
	}
	// Required names without a declared schema still need a value.
	for _, k := range required {
		if k == skip || props.get(k) != nil {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		dst = appendJSONString(dst, "example "+k)
	}
	return append(dst, '}')
}

func (g *generator) array(dst []byte, s *node, name string, depth int) []byte {
	n := 1
	if depth >= minimalDepth {
		n = 0
	}
	if v, ok := s.number("minItems"); ok {
		n = min(max(int(v), n), maxGenItems)
	}
	if v, ok := s.number("maxItems"); ok && v < float64(n) {
		n = max(int(v), 0)
	}
	var prefix []*node
	if p := s.get("prefixItems"); p != nil {
		prefix = p.arr
	}
	items := s.get("items")
	dst = append(dst, '[')
	for i := range n {
		if i > 0 {
			dst = append(dst, ',')
		}
		switch {
		case i < len(prefix):
			dst = g.value(dst, prefix[i], name, depth+1)
		case items != nil && items.kind == 'o':
			dst = g.value(dst, items, name, depth+1)
		default:
			dst = appendJSONString(dst, "example")
		}
	}
	return append(dst, ']')
}

// numberIn returns want moved inside the schema's bounds.
func numberIn(s *node, want float64, integer bool) float64 {
	step := 0.5
	if integer {
		step = 1
	}
	lo, hi := math.Inf(-1), math.Inf(1)
	if v, ok := s.number("minimum"); ok {
		lo = v
	}
	if v, ok := s.number("exclusiveMinimum"); ok {
		lo = math.Max(lo, v+step)
	}
	if v, ok := s.number("maximum"); ok {
		hi = v
	}
	if v, ok := s.number("exclusiveMaximum"); ok {
		hi = math.Min(hi, v-step)
	}
	if integer {
		lo, hi = math.Ceil(lo), math.Floor(hi)
	}
	v := want
	if v < lo {
		v = lo
	}
	if v > hi {
		v = hi
	}
	if v < lo { // a range narrower than a step
		v = (lo + hi) / 2
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return want
	}
	if m, ok := s.number("multipleOf"); ok && m > 0 {
		if c := math.Ceil(v/m) * m; c <= hi {
			v = c
		} else {
			v = math.Floor(v/m) * m
		}
	}
	return v
}

// formatExamples holds a valid value of each string format the mock knows.
var formatExamples = map[string]string{
	"date-time":     "2026-01-02T15:04:05Z",
	"date":          "2026-01-02",
	"time":          "15:04:05Z",
	"duration":      "PT1M",
	"email":         "user@example.com",
	"hostname":      "example.com",
	"ipv4":          "192.0.2.1",
	"ipv6":          "2001:db8::1",
	"uri":           "https://example.com/",
	"url":           "https://example.com/",
	"uri-reference": "https://example.com/",
	"iri":           "https://example.com/",
	"uuid":          "123e4567-e89b-42d3-a456-426614174000",
}

// sampleString returns a string that satisfies the schema's format and
// length bounds.
func sampleString(s *node, name string) string {
	v := "example"
	if f := s.get("format"); f != nil && f.kind == 's' {
		if ex, ok := formatExamples[f.str]; ok {
			v = ex
		}
	} else if name != "" {
		v = "example " + name
	}
	if n, ok := s.number("minLength"); ok && float64(len(v)) < n {
		v += strings.Repeat("x", int(min(n, maxGenLength))-len(v))
	}
	if n, ok := s.number("maxLength"); ok && float64(len(v)) > n && n >= 0 {
		v = v[:int(n)]
	}
	return v
}

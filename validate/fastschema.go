package validate

import (
	"encoding/json"
	"math/big"
	"regexp"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// A fast schema is a second form of a compiled schema that validates JSON
// text directly, without decoding it into Go values, and without
// allocating for common schemas. It covers the keywords structured-output
// and tool schemas use: type, enum, const, properties, required,
// additionalProperties, maxProperties, items, minItems, maxItems,
// minLength, maxLength, pattern, format, minimum, maximum,
// exclusiveMinimum, exclusiveMaximum, allOf, anyOf, oneOf, not and $ref.
// It is built from the library's compiled schema, so drafts, $ref
// resolution and which formats are asserted are decided in one place.
//
// It only ever says "valid" when the library would: a schema using any
// other keyword has no fast form, and when the fast form refuses a value
// the library validates it again and has the last word (and writes the
// error message).

// JSON types as bits.
const (
	tNull uint8 = 1 << iota
	tBoolean
	tNumber
	tInteger
	tString
	tArray
	tObject
)

func typeBit(name string) uint8 {
	switch name {
	case "null":
		return tNull
	case "boolean":
		return tBoolean
	case "number":
		return tNumber
	case "integer":
		return tInteger
	case "string":
		return tString
	case "array":
		return tArray
	case "object":
		return tObject
	}
	return 0
}

// fnode is one schema in fast form. Zero values mean "no constraint".
type fnode struct {
	never bool  // the false schema
	types uint8 // allowed types; 0 for any
	enum  []any // allowed values (string, json.Number, bool, nil); nil for any
	hasEn bool
	fmt   *jsonschema.Format // asserted format, applied to strings

	ref, not            *fnode
	allOf, anyOf, oneOf []*fnode

	props    map[string]prop // by member name: properties and required
	required uint64          // the bits of the required names
	addl     *fnode          // additionalProperties; nil for any
	maxProps int             // -1 for none

	items              *fnode
	minItems, maxItems int // -1 for none

	minLen, maxLen int // -1 for none
	pattern        *regexp.Regexp

	bounds []bound
}

// prop is what an object member name means: its schema (nil when the name
// is only required, so additionalProperties applies) and its bit.
type prop struct {
	n   *fnode
	bit uint64
}

type boundOp uint8

const (
	opMin boundOp = iota
	opMax
	opExclMin
	opExclMax
)

// bound is a numeric limit, as the library's exact rational and as the
// nearest float64 for the common case.
type bound struct {
	op    boundOp
	r     *big.Rat
	f     float64
	exact bool // f == r
}

// fastCompile builds the fast form of s, or returns nil when s uses a
// keyword outside the fast subset or has a $ref cycle that does not descend
// into the instance.
func fastCompile(s *jsonschema.Schema) *fnode {
	c := fastCompiler{nodes: map[*jsonschema.Schema]*fnode{}}
	n := c.node(s)
	if c.unsupported || c.cyclic(n) {
		return nil
	}
	return n
}

type fastCompiler struct {
	nodes       map[*jsonschema.Schema]*fnode
	unsupported bool
}

func (c *fastCompiler) node(s *jsonschema.Schema) *fnode {
	if s == nil {
		return nil
	}
	if n, ok := c.nodes[s]; ok {
		return n
	}
	n := &fnode{maxProps: -1, minItems: -1, maxItems: -1, minLen: -1, maxLen: -1}
	c.nodes[s] = n
	if s.Bool != nil {
		n.never = !*s.Bool
		return n
	}
	if s.RecursiveRef != nil || s.DynamicRef != nil || s.If != nil || s.Then != nil || s.Else != nil ||
		s.MinProperties != nil || s.PropertyNames != nil || len(s.PatternProperties) > 0 ||
		len(s.Dependencies) > 0 || len(s.DependentRequired) > 0 || len(s.DependentSchemas) > 0 ||
		s.UnevaluatedProperties != nil || s.UnevaluatedItems != nil || s.UniqueItems ||
		s.Contains != nil || s.MinContains != nil || s.MaxContains != nil || len(s.PrefixItems) > 0 ||
		s.AdditionalItems != nil || s.MultipleOf != nil || s.ContentEncoding != nil ||
		s.ContentMediaType != nil || s.ContentSchema != nil || len(s.Extensions) > 0 {
		c.unsupported = true
		return n
	}
	if s.Types != nil {
		for _, name := range s.Types.ToStrings() {
			n.types |= typeBit(name)
		}
	}
	if s.Enum != nil {
		n.hasEn, n.enum = true, c.scalars(s.Enum.Values)
	}
	if s.Const != nil {
		vals := c.scalars([]any{*s.Const})
		if n.hasEn { // both: a value must be in the enum and equal the const
			c.unsupported = true
		}
		n.hasEn, n.enum = true, vals
	}
	n.fmt = s.Format
	n.ref = c.node(s.Ref)
	n.not = c.node(s.Not)
	n.allOf = c.list(s.AllOf)
	n.anyOf = c.list(s.AnyOf)
	n.oneOf = c.list(s.OneOf)

	if len(s.Properties) > 0 || len(s.Required) > 0 {
		// Each name gets a bit, to track the required ones and repeats.
		n.props = make(map[string]prop, len(s.Properties)+len(s.Required))
		named := func(name string) prop {
			p, ok := n.props[name]
			if !ok {
				p.bit = 1 << (len(n.props) % 64)
				n.props[name] = p
			}
			return p
		}
		for name, ps := range s.Properties {
			p := named(name)
			p.n = c.node(ps)
			n.props[name] = p
		}
		for _, name := range s.Required {
			n.required |= named(name).bit
		}
		if len(n.props) > 64 {
			c.unsupported = true
			return n
		}
	}
	switch a := s.AdditionalProperties.(type) {
	case nil:
	case bool:
		if !a {
			n.addl = &fnode{never: true}
		}
	case *jsonschema.Schema:
		n.addl = c.node(a)
	default:
		c.unsupported = true
	}
	if s.MaxProperties != nil {
		n.maxProps = *s.MaxProperties
	}

	switch it := s.Items.(type) {
	case nil:
	case *jsonschema.Schema:
		n.items = c.node(it)
	default: // tuple form
		c.unsupported = true
	}
	if s.Items2020 != nil {
		n.items = c.node(s.Items2020)
	}
	if s.MinItems != nil {
		n.minItems = *s.MinItems
	}
	if s.MaxItems != nil {
		n.maxItems = *s.MaxItems
	}

	if s.MinLength != nil {
		n.minLen = *s.MinLength
	}
	if s.MaxLength != nil {
		n.maxLen = *s.MaxLength
	}
	if s.Pattern != nil {
		re, ok := s.Pattern.(*regexp.Regexp)
		if !ok {
			c.unsupported = true
		}
		n.pattern = re
	}

	for _, b := range []struct {
		op boundOp
		r  *big.Rat
	}{{opMin, s.Minimum}, {opMax, s.Maximum}, {opExclMin, s.ExclusiveMinimum}, {opExclMax, s.ExclusiveMaximum}} {
		if b.r != nil {
			f, exact := b.r.Float64()
			n.bounds = append(n.bounds, bound{op: b.op, r: b.r, f: f, exact: exact})
		}
	}
	return n
}

func (c *fastCompiler) list(ss []*jsonschema.Schema) []*fnode {
	if len(ss) == 0 {
		return nil
	}
	out := make([]*fnode, len(ss))
	for i, s := range ss {
		out[i] = c.node(s)
	}
	return out
}

// scalars returns enum values when they are all scalars.
func (c *fastCompiler) scalars(vals []any) []any {
	out := make([]any, 0, len(vals))
	for _, v := range vals {
		switch v.(type) {
		case nil, bool, string, json.Number:
			out = append(out, v)
		default:
			c.unsupported = true
		}
	}
	return out
}

// cyclic reports whether some node reaches itself through $ref and the
// combinators alone, which would validate the same value forever (the
// library reports such schemas as a reference cycle).
func (c *fastCompiler) cyclic(root *fnode) bool {
	const (
		unseen = iota
		active
		done
	)
	state := map[*fnode]int{}
	var visit func(n *fnode) bool
	visit = func(n *fnode) bool {
		if n == nil {
			return false
		}
		switch state[n] {
		case active:
			return true
		case done:
			return false
		}
		state[n] = active
		next := append([]*fnode{n.ref, n.not}, n.allOf...)
		next = append(next, n.anyOf...)
		next = append(next, n.oneOf...)
		for _, m := range next {
			if visit(m) {
				return true
			}
		}
		state[n] = done
		return false
	}
	for n := range c.allNodes(root) {
		if visit(n) {
			return true
		}
	}
	return false
}

// allNodes returns every node reachable from root.
func (c *fastCompiler) allNodes(root *fnode) map[*fnode]struct{} {
	seen := map[*fnode]struct{}{}
	var walk func(n *fnode)
	walk = func(n *fnode) {
		if n == nil {
			return
		}
		if _, ok := seen[n]; ok {
			return
		}
		seen[n] = struct{}{}
		walk(n.ref)
		walk(n.not)
		walk(n.addl)
		walk(n.items)
		for _, l := range [][]*fnode{n.allOf, n.anyOf, n.oneOf} {
			for _, m := range l {
				walk(m)
			}
		}
		for _, p := range n.props {
			walk(p.n)
		}
	}
	walk(root)
	return seen
}

package mock

import (
	"encoding/json"
	"sync"
)

// outputs holds the answers generated for one schema: a valid value and
// values that break it. They are computed once per schema and shared.
type outputs struct {
	valid   []byte // satisfies the schema
	missing []byte // a required property left out; nil when nothing is required
	badType []byte // a property (or the whole value) of the wrong type; nil when unbreakable
	notJSON []byte // the valid value cut in the middle
}

// broken returns JSON that breaks the schema, preferring mode ("missing" or
// "type"); when the schema accepts every JSON value, it returns notJSON.
func (o *outputs) broken(mode string) []byte {
	first, second := o.missing, o.badType
	if mode == "type" {
		first, second = o.badType, o.missing
	}
	switch {
	case first != nil:
		return first
	case second != nil:
		return second
	}
	return o.notJSON
}

// generate computes the outputs for a raw JSON schema. A schema that does
// not parse is treated as the empty schema.
func generate(schema []byte) *outputs {
	root, err := parseNode(schema)
	if err != nil || root.kind != 'o' {
		root = &node{kind: 'o'}
	}
	g := &generator{root: root}
	o := &outputs{valid: g.value(nil, root, "", 0)}
	o.notJSON = o.valid[: len(o.valid)/2 : len(o.valid)/2]
	if json.Valid(o.notJSON) || len(o.notJSON) == 0 { // a number cut in half may still be one
		o.notJSON = fenced(o.valid)
	}
	top := g.schemaOf(root)
	if typeOf(top) == "object" {
		if req := top.strings("required"); len(req) > 0 {
			o.missing = (&generator{root: root}).object(nil, top, req[0], 0)
		}
		o.badType = (&generator{root: root}).wrongProperty(top)
	}
	if o.badType == nil {
		if w := wrongValue(top); w != nil {
			o.badType = w
		}
	}
	return o
}

// wrongProperty returns an object whose first breakable property has a
// value of the wrong type, or nil.
func (g generator) wrongProperty(obj *node) []byte {
	props := obj.get("properties")
	if props == nil {
		return nil
	}
	for i, k := range props.keys {
		w := wrongValue(g.schemaOf(props.vals[i]))
		if w == nil {
			continue
		}
		dst := []byte{'{'}
		for j, k2 := range props.keys {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k2)
			dst = append(dst, ':')
			if k2 == k {
				dst = append(dst, w...)
			} else {
				dst = g.value(dst, props.vals[j], k2, 1)
			}
		}
		return append(dst, '}')
	}
	return nil
}

// wrongValue returns a JSON value that schema s refuses, or nil when s
// accepts anything.
func wrongValue(s *node) []byte {
	if s.get("enum") != nil || s.get("const") != nil {
		return []byte(`"mock value outside the allowed set"`)
	}
	types := s.strings("type")
	if len(types) == 0 {
		return nil
	}
	allowed := map[string]bool{}
	for _, t := range types {
		allowed[t] = true
		if t == "number" {
			allowed["integer"] = true
		}
	}
	// The first candidate whose own type the schema does not allow.
	for _, c := range [...]string{`"mock value of the wrong type"`, `12345`, `true`, `{"mock":"wrong type"}`, `["mock wrong type"]`} {
		if !allowed[jsonTypeOf(c)] {
			return []byte(c)
		}
	}
	return nil
}

// jsonTypeOf names the JSON type of a literal candidate in wrongValue.
func jsonTypeOf(v string) string {
	switch v[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't':
		return "boolean"
	}
	return "integer"
}

// outputCache memoises generate by schema text. It stops growing at its
// bound; past it, schemas are generated on each request.
type outputCache struct {
	mu    sync.RWMutex
	m     map[string]*outputs
	bound int
}

func newOutputCache(bound int) *outputCache {
	return &outputCache{m: make(map[string]*outputs), bound: bound}
}

// get returns the outputs of a raw JSON schema.
func (c *outputCache) get(schema []byte) *outputs {
	c.mu.RLock()
	o := c.m[string(schema)]
	c.mu.RUnlock()
	if o != nil {
		return o
	}
	o = generate(schema)
	c.mu.Lock()
	if len(c.m) < c.bound {
		c.m[string(schema)] = o
	}
	c.mu.Unlock()
	return o
}

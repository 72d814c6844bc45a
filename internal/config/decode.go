package config

import (
	"encoding"
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// decoder fills the config structs from a YAML syntax tree. It is strict
// (an unknown key is an error, with a suggestion), records the line of
// every key path for later messages, and reports every problem it finds
// instead of stopping at the first.
type decoder struct {
	c       *collector
	anchors map[string]ast.Node
	depth   int
	nodes   int // values decoded so far, aliases expanded
}

// Bounds on alias expansion: a self-referencing alias cannot recurse for
// ever, and nested aliases cannot multiply a small file into millions of
// values ("billion laughs").
const (
	maxAliasDepth = 64
	maxNodes      = 100_000
)

// spend counts one decoded value and reports whether the budget allows it;
// the first time it does not, the problem is recorded.
func (d *decoder) spend(path string) bool {
	d.nodes++
	if d.nodes == maxNodes+1 {
		d.c.add(path, fmt.Sprintf("the file expands to more than %d values", maxNodes), "use fewer nested aliases")
	}
	return d.nodes <= maxNodes
}

// collectAnchors records every anchor in n (the last definition of a name
// wins).
func (d *decoder) collectAnchors(n ast.Node) {
	ast.Walk(anchorVisitor(d.anchors), n)
}

type anchorVisitor map[string]ast.Node

func (v anchorVisitor) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok && a.Name != nil {
		v[a.Name.GetToken().Value] = a.Value
	}
	return v
}

// resolve steps through anchors, aliases and tags to the node that holds
// the value; nil stands for null.
func (d *decoder) resolve(n ast.Node, path string) ast.Node {
	for i := 0; n != nil; i++ {
		if i > maxAliasDepth {
			d.c.add(path, "alias nesting too deep", "remove the alias cycle")
			return nil
		}
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			name := v.Value.GetToken().Value
			target, ok := d.anchors[name]
			if !ok {
				d.c.add(path, fmt.Sprintf("unknown alias *%s", name), "define the anchor &"+name+" before using it")
				return nil
			}
			n = target
		case *ast.NullNode:
			return nil
		default:
			return n
		}
	}
	return nil
}

// decode fills v from n; path names v for messages.
func (d *decoder) decode(n ast.Node, v reflect.Value, path string) {
	if !d.spend(path) {
		return
	}
	n = d.resolve(n, path)
	if n == nil {
		return
	}
	t := v.Type()
	switch {
	case t == reflect.TypeFor[Schema]():
		d.decodeSchema(n, v.Addr().Interface().(*Schema), path)
		return
	case reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()):
		s, ok := d.scalar(n, path, "a value", t == reflect.TypeFor[Secret]())
		if !ok {
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			msg, fix := problemOf(err)
			d.c.add(path, msg, fix)
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		e := reflect.New(t.Elem())
		d.decode(n, e.Elem(), path)
		v.Set(e)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		d.decodeSlice(n, v, path)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.String:
		if s, ok := d.scalar(n, path, "a string", false); ok {
			v.SetString(s)
		}
	case reflect.Int:
		d.decodeInt(n, v, path)
	case reflect.Float64:
		d.decodeFloat(n, v, path)
	case reflect.Bool:
		if b, ok := n.(*ast.BoolNode); ok {
			v.SetBool(b.Value)
			return
		}
		d.c.add(path, "expected true or false, got "+describeNode(n, false), "write true or false")
	default:
		panic("config: no decoder for " + t.String())
	}
}

// scalar returns the text of a scalar node. For secrets the value is never
// quoted in messages.
func (d *decoder) scalar(n ast.Node, path, want string, secret bool) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value, true
	}
	d.c.add(path, fmt.Sprintf("expected %s, got %s", want, describeNode(n, secret)), "write a single value on this key")
	return "", false
}

func (d *decoder) decodeInt(n ast.Node, v reflect.Value, path string) {
	if in, ok := n.(*ast.IntegerNode); ok {
		switch x := in.Value.(type) {
		case int64:
			v.SetInt(x)
			d.c.numbers[path] = true
			return
		case uint64:
			if x <= math.MaxInt64 {
				v.SetInt(int64(x))
				d.c.numbers[path] = true
				return
			}
		}
	}
	d.c.add(path, "expected a whole number, got "+describeNode(n, false), "write a whole number such as 3")
}

func (d *decoder) decodeFloat(n ast.Node, v reflect.Value, path string) {
	switch x := n.(type) {
	case *ast.FloatNode:
		v.SetFloat(x.Value)
		d.c.numbers[path] = true
		return
	case *ast.IntegerNode:
		switch y := x.Value.(type) {
		case int64:
			v.SetFloat(float64(y))
			d.c.numbers[path] = true
			return
		case uint64:
			v.SetFloat(float64(y))
			d.c.numbers[path] = true
			return
		}
	}
	d.c.add(path, "expected a number, got "+describeNode(n, false), "write a number such as 0.5")
}

// entry is one key of a mapping, merge keys (<<) already applied.
type entry struct {
	key   string
	line  int
	value ast.Node
}

// entries lists the keys of mapping n in order; keys written in n win over
// keys merged in with <<.
func (d *decoder) entries(n ast.Node, path string) ([]entry, bool) {
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	default:
		return nil, false
	}
	var own, merged []entry
	seen := map[string]bool{}
	for _, mv := range values {
		if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
			d.depth++
			if d.depth <= maxAliasDepth {
				merged = append(merged, d.mergeEntries(mv.Value, path)...)
			}
			d.depth--
			continue
		}
		key := keyText(mv.Key)
		if seen[key] {
			d.c.addAt(mv.Key.GetToken().Position.Line, joinPath(path, key), "duplicate key", "keep one of them")
			continue
		}
		seen[key] = true
		own = append(own, entry{key: key, line: mv.Key.GetToken().Position.Line, value: mv.Value})
	}
	for _, e := range merged {
		if !seen[e.key] {
			seen[e.key] = true
			own = append(own, e)
		}
	}
	return own, true
}

// mergeEntries returns the entries a << merge key brings in: one mapping
// or a list of them (earlier ones win).
func (d *decoder) mergeEntries(n ast.Node, path string) []entry {
	n = d.resolve(n, path)
	if seq, ok := n.(*ast.SequenceNode); ok {
		var out []entry
		for _, item := range seq.Values {
			out = append(out, d.mergeEntries(item, path)...)
		}
		return out
	}
	es, ok := d.entries(n, path)
	if !ok {
		d.c.add(path, "merge key << needs a mapping or a list of mappings", "merge an anchored mapping, e.g. <<: *base")
	}
	return es
}

// keyText returns a mapping key as text.
func keyText(k ast.MapKeyNode) string {
	if mk, ok := k.(*ast.MappingKeyNode); ok && mk.Value != nil {
		return mk.Value.GetToken().Value
	}
	if s, ok := k.(*ast.StringNode); ok {
		return s.Value
	}
	return k.GetToken().Value
}

// yamlFields maps the yaml key names of struct type t to field indexes, in
// field order.
func yamlFields(t reflect.Type) (names []string, index map[string]int) {
	index = map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		names = append(names, name)
		index[name] = i
	}
	return names, index
}

func (d *decoder) decodeStruct(n ast.Node, v reflect.Value, path string) {
	es, ok := d.entries(n, path)
	if !ok {
		d.c.add(path, "expected a mapping (key: value), got "+describeNode(n, false), "write the keys of this section under it, indented")
		return
	}
	names, index := yamlFields(v.Type())
	for _, e := range es {
		p := joinPath(path, e.key)
		if _, ok := d.c.pos[p]; !ok {
			d.c.pos[p] = e.line
		}
		i, ok := index[e.key]
		if !ok && path == "" && strings.HasPrefix(e.key, "x-") {
			continue // extension keys at the top level hold anchors for reuse
		}
		if !ok {
			d.c.addAt(e.line, p, fmt.Sprintf("unknown key %q", e.key), unknownKeyFix(e.key, path, names))
			continue
		}
		d.decode(e.value, v.Field(i), p)
	}
}

// unknownKeyFix proposes the closest valid key and lists the valid ones.
func unknownKeyFix(key, path string, names []string) string {
	where := "here"
	if path != "" {
		where = "under " + path
	}
	valid := fmt.Sprintf("valid keys %s: %s", where, strings.Join(names, ", "))
	if s := suggest(key, names); s != "" {
		return fmt.Sprintf("did you mean %q? %s", s, valid)
	}
	return "remove it; " + valid
}

func (d *decoder) decodeSlice(n ast.Node, v reflect.Value, path string) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.c.add(path, "expected a list, got "+describeNode(n, false), "write a list: [a, b] or one \"- item\" per line")
		return
	}
	out := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
	for i, item := range seq.Values {
		p := indexPath(path, i)
		if item != nil && item.GetToken() != nil {
			d.c.pos[p] = item.GetToken().Position.Line
		}
		d.decode(item, out.Index(i), p)
	}
	v.Set(out)
}

func (d *decoder) decodeMap(n ast.Node, v reflect.Value, path string) {
	es, ok := d.entries(n, path)
	if !ok {
		d.c.add(path, "expected a mapping (key: value), got "+describeNode(n, false), "write key: value pairs under it, indented")
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(es))
	for _, e := range es {
		p := joinPath(path, e.key)
		d.c.pos[p] = e.line
		ev := reflect.New(v.Type().Elem()).Elem()
		d.decode(e.value, ev, p)
		m.SetMapIndex(reflect.ValueOf(e.key).Convert(v.Type().Key()), ev)
	}
	v.Set(m)
}

// describeNode names what a node holds, for messages; secrets are not
// quoted.
func describeNode(n ast.Node, secret bool) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	if secret {
		return "a scalar"
	}
	tk := n.GetToken()
	if tk == nil {
		return "a value"
	}
	return fmt.Sprintf("%q", tk.Value)
}

package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// node is a decoded JSON value that keeps the order of object members, so
// generated objects list properties in the order the schema declares them.
type node struct {
	kind byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	keys []string
	vals []*node // object member values, parallel to keys
	arr  []*node
	str  string
	num  float64
	raw  string // a number's literal
	b    bool
}

// parseNode decodes one JSON value.
func parseNode(b []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := decodeNode(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after JSON value")
	}
	return n, nil
}

const maxNodeDepth = 64

func decodeNode(dec *json.Decoder, depth int) (*node, error) {
	if depth > maxNodeDepth {
		return nil, errors.New("JSON nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			n := &node{kind: 'o'}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeNode(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, kt.(string))
				n.vals = append(n.vals, v)
			}
			_, err := dec.Token()
			return n, err
		}
		n := &node{kind: 'a'}
		for dec.More() {
			v, err := decodeNode(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.arr = append(n.arr, v)
		}
		_, err := dec.Token()
		return n, err
	case string:
		return &node{kind: 's', str: t}, nil
	case json.Number:
		f, _ := strconv.ParseFloat(string(t), 64)
		return &node{kind: 'n', num: f, raw: string(t)}, nil
	case bool:
		return &node{kind: 'b', b: t}, nil
	}
	return &node{kind: 'z'}, nil
}

// get returns an object member, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != 'o' {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// number returns a numeric member and whether it is present.
func (n *node) number(key string) (float64, bool) {
	v := n.get(key)
	if v == nil || v.kind != 'n' {
		return 0, false
	}
	return v.num, true
}

// strings returns the string elements of an array member, or a string
// member as a one-element list.
func (n *node) strings(key string) []string {
	v := n.get(key)
	if v == nil {
		return nil
	}
	if v.kind == 's' {
		return []string{v.str}
	}
	var out []string
	for _, e := range v.arr {
		if e.kind == 's' {
			out = append(out, e.str)
		}
	}
	return out
}

// appendJSON encodes the node back to JSON.
func (n *node) appendJSON(dst []byte) []byte {
	switch n.kind {
	case 'o':
		dst = append(dst, '{')
		for i, k := range n.keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			dst = n.vals[i].appendJSON(dst)
		}
		return append(dst, '}')
	case 'a':
		dst = append(dst, '[')
		for i, e := range n.arr {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = e.appendJSON(dst)
		}
		return append(dst, ']')
	case 's':
		return appendJSONString(dst, n.str)
	case 'n':
		return append(dst, n.raw...)
	case 'b':
		return strconv.AppendBool(dst, n.b)
	}
	return append(dst, "null"...)
}

// resolve follows a local "$ref" ("#/$defs/x", "#/definitions/x") against
// root. It returns n itself when n has no local reference.
func resolve(root, n *node) *node {
	for range 16 { // bounded: refs may chain or loop
		ref := n.get("$ref")
		if ref == nil || ref.kind != 's' || !strings.HasPrefix(ref.str, "#") {
			return n
		}
		target := root
		for part := range strings.SplitSeq(strings.TrimPrefix(ref.str, "#"), "/") {
			if part == "" {
				continue
			}
			part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
			if target = target.get(part); target == nil {
				return n
			}
		}
		n = target
	}
	return n
}

package config

import (
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// namePaths gives each error of a reference that could not be substituted
// the key path of the value it stands in (providers[0].api_key), found by
// parsing the text with placeholders in the references' places. An error
// whose placeholder is not in a value (the text does not parse, or the
// reference stands in a key) keeps no path.
func (x *expansion) namePaths() {
	if len(x.marks) == 0 {
		return
	}
	file, err := parser.ParseBytes(x.text, 0)
	if err != nil {
		return
	}
	for _, doc := range file.Docs {
		x.walkPaths(doc.Body, "", 0)
	}
}

// maxPathDepth bounds the walk: a configuration is a few levels deep.
const maxPathDepth = 32

func (x *expansion) walkPaths(n ast.Node, path string, depth int) {
	if n == nil || depth > maxPathDepth {
		return
	}
	switch n := n.(type) {
	case *ast.DocumentNode:
		x.walkPaths(n.Body, path, depth+1)
	case *ast.MappingNode:
		for _, v := range n.Values {
			x.walkPaths(v, path, depth+1)
		}
	case *ast.MappingValueNode:
		key := ""
		if n.Key != nil {
			key = strings.Trim(n.Key.String(), `"'`)
		}
		if path != "" {
			key = path + "." + key
		}
		x.walkPaths(n.Value, key, depth+1)
	case *ast.SequenceNode:
		for i, v := range n.Values {
			x.walkPaths(v, path+"["+strconv.Itoa(i)+"]", depth+1)
		}
	case *ast.AnchorNode:
		x.walkPaths(n.Value, path, depth+1)
	case *ast.TagNode:
		x.walkPaths(n.Value, path, depth+1)
	case ast.ScalarNode:
		if path == "" {
			return
		}
		text := n.String()
		if !strings.Contains(text, "lifelineunset") {
			return
		}
		for mark, e := range x.marks {
			if strings.Contains(text, mark) && e.Path == "" {
				e.Path = path
			}
		}
	}
}

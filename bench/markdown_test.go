package main

import (
	"bytes"
	"testing"
)

// TestMarkdownTables pins the Markdown the tables are written in.
func TestMarkdownTables(t *testing.T) {
	var b bytes.Buffer
	tb := newTable(&b, "**Caption**:", "lrc", "name", "value", "ok")
	tb.row("x", "1.000", "yes")
	tb.end()
	writeChecks(&b, "**Targets**:", []check{{"t1", "1×", true}, {"t2", "2×", false}})
	writeChecks(&b, "**None**:", nil)
	writeNotes(&b, errorNotes("1 rps", "proxy", map[string]int{"timeout": 2, "EOF": 1}))
	writeNotes(&b, nil)
	want := `**Caption**:

| name | value | ok |
| --- | ---: | :---: |
| x | 1.000 | yes |

**Targets**:

| target | measured | met |
| --- | ---: | :---: |
| t1 | 1× | yes |
| t2 | 2× | **no** |

Errors seen:

- 1 rps, proxy: 1 × EOF
- 1 rps, proxy: 2 × timeout

`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

package config

import (
	"encoding"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// docPath is the configuration reference, relative to this package.
const docPath = "../../docs/configuration.md"

// docRow is one row of the reference's Keys table.
type docRow struct {
	key, def, sameAs string
}

// docKeys reads the Keys table: rows whose first cell is a `key`. A row
// whose text says "same keys as `X`" documents its sub-keys by reference.
func docKeys(t *testing.T) map[string]docRow {
	t.Helper()
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n## Keys\n")
	if start < 0 {
		t.Fatal("no \"## Keys\" section in " + docPath)
	}
	section := text[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	row := regexp.MustCompile("^\\| `([^`]+)` \\|([^|]*)\\|([^|]*)\\|(.*)\\|$")
	same := regexp.MustCompile("same keys as `([^`]+)`")
	rows := map[string]docRow{}
	for _, line := range strings.Split(section, "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		r := docRow{key: m[1], def: strings.Trim(strings.TrimSpace(m[3]), "`")}
		if s := same.FindStringSubmatch(m[4]); s != nil {
			r.sameAs = s[1]
		}
		if _, dup := rows[r.key]; dup {
			t.Errorf("%s documented twice", r.key)
		}
		rows[r.key] = r
	}
	if len(rows) < 20 {
		t.Fatalf("only %d keys found in the Keys table", len(rows))
	}
	return rows
}

// isLeaf reports whether a field type is a single value in YAML (not a
// section with keys of its own).
func isLeaf(t reflect.Type) bool {
	return t == reflect.TypeFor[Schema]() || reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) ||
		t.Kind() != reflect.Struct && !(t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct)
}

// codeKeys walks the config structs by their yaml tags and returns every
// key path (lists of sections marked with []) with its Go type.
func codeKeys() map[string]reflect.Type {
	out := map[string]reflect.Type{}
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		names, index := yamlFields(t)
		for _, name := range names {
			ft := t.Field(index[name]).Type
			path := joinPath(prefix, name)
			out[path] = ft
			switch {
			case isLeaf(ft):
			case ft.Kind() == reflect.Slice:
				walk(ft.Elem(), path+"[]")
			default:
				walk(ft, path)
			}
		}
	}
	walk(reflect.TypeFor[Config](), "")
	return out
}

func TestDocumentedKeysMatchCode(t *testing.T) {
	doc := docKeys(t)
	code := codeKeys()
	covered := func(key string) bool {
		for k, r := range doc {
			if r.sameAs != "" && strings.HasPrefix(key, k+".") {
				return true
			}
		}
		return false
	}
	for key := range code {
		if _, ok := doc[key]; !ok && !covered(key) {
			t.Errorf("key %s is not documented in %s", key, docPath)
		}
	}
	for key, r := range doc {
		if _, ok := code[key]; !ok {
			t.Errorf("%s documents %s, which the config structs do not have", docPath, key)
			continue
		}
		if r.sameAs != "" && code[key] != code[r.sameAs] {
			t.Errorf("%s says it has the same keys as %s, but their types differ (%v, %v)", key, r.sameAs, code[key], code[r.sameAs])
		}
	}
}

// TestDocumentedDefaultsMatchCode compares the default column with
// Default() for every key outside lists.
func TestDocumentedDefaultsMatchCode(t *testing.T) {
	doc := docKeys(t)
	def := reflect.ValueOf(Default()).Elem()
	checked := 0
	for key, r := range doc {
		if strings.Contains(key, "[]") {
			continue
		}
		v, ok := def, true
		for _, part := range strings.Split(key, ".") {
			_, index := yamlFields(v.Type())
			i, found := index[part]
			if !found {
				ok = false // reported by TestDocumentedKeysMatchCode
				break
			}
			v = v.Field(i)
		}
		if !ok || !isLeaf(v.Type()) || v.Kind() == reflect.Slice {
			continue
		}
		checked++
		var same bool
		switch x := v.Interface().(type) {
		case Duration:
			d, err := ParseDuration(r.def)
			same = err == nil && d == x
		case Size:
			z, err := ParseSize(r.def)
			same = err == nil && z == x
		default:
			got, _ := v.Interface().(string)
			if v.Kind() != reflect.String {
				got = strings.TrimSpace(strings.Trim(reflectString(v), "`"))
			}
			same = got == r.def || got == "" && r.def == "—"
		}
		if !same {
			t.Errorf("%s: documented default %q, code default %v", key, r.def, v.Interface())
		}
	}
	if checked < 25 {
		t.Errorf("only %d defaults checked", checked)
	}
}

func reflectString(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Int:
		return ftoa(float64(v.Int()))
	case reflect.Float64:
		return ftoa(v.Float())
	case reflect.Bool:
		if v.Bool() {
			return "true"
		}
		return "false"
	}
	return v.String()
}

// TestDocumentedFilesLoad: every whole configuration file the docs show (a
// yaml block with providers and routes, in docs/*.md and README.md) loads,
// with every ${VAR} set and the schema files it names present.
func TestDocumentedFilesLoad(t *testing.T) {
	block := regexp.MustCompile("(?s)```yaml\n(.*?)```")
	schemaFile := regexp.MustCompile(`json_schema: ([\w/.-]+\.json)`)
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	env := func(string) (string, bool) { return "value", true }
	checked := 0
	for _, f := range append(files, "../../README.md") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range block.FindAllStringSubmatch(string(b), -1) {
			text := m[1]
			if !regexp.MustCompile(`(?m)^providers:`).MatchString(text) || !regexp.MustCompile(`(?m)^routes:`).MatchString(text) {
				continue // a fragment, not a file
			}
			checked++
			dir := t.TempDir()
			for _, s := range schemaFile.FindAllStringSubmatch(text, -1) {
				path := filepath.Join(dir, s[1])
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(`{"type":"object"}`), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			name := fmt.Sprintf("%s#%d", filepath.Base(f), i+1)
			if _, err := Parse(name, []byte(text), dir, env); err != nil {
				t.Errorf("the configuration file shown in %s (yaml block %d) does not load:\n%v", filepath.Base(f), i+1, err)
			}
		}
	}
	if checked < 2 {
		t.Fatalf("found %d configuration files in the docs", checked)
	}
}

package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Load reads, checks and returns the configuration file at path. env looks
// up ${VAR} references (os.LookupEnv in production; nil: no variables).
// Relative schema paths are resolved against the file's folder. Errors
// name the file (as path was given), the line, the key path and the fix;
// every problem found is reported (see Errors).
func Load(path string, env func(string) (string, bool)) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		reason := err.Error()
		if pe, ok := err.(*os.PathError); ok {
			reason = pe.Err.Error()
		}
		return nil, &Error{File: path, Msg: "cannot read the configuration file: " + reason,
			Fix: "check the path given with --config"}
	}
	return Parse(path, data, filepath.Dir(path), env)
}

// Parse checks and returns the configuration in data. name is the file name
// used in error messages; dir is the folder that relative schema paths are
// resolved against. The steps: ${VAR} substitution (outside comments),
// YAML parsing, strict decoding (unknown keys are errors), reading schema
// files, validation, and finally ApplyDefaults: the returned Config has its
// top level and defaults section filled in, while route settings stay as
// written (see ResolvedRoutes for their effective values).
func Parse(name string, data []byte, dir string, env func(string) (string, bool)) (*Config, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	x := expand(name, data, env)
	if len(x.errs) > 0 {
		x.namePaths()
		col := &collector{file: name, errs: x.errs}
		return nil, col.err()
	}
	col := &collector{file: name, pos: positions{}, numbers: map[string]bool{}}
	file, err := parser.ParseBytes(x.text, 0)
	if err != nil {
		col.addAt(syntaxLine(err), "", "invalid YAML: "+scrub(syntaxMessage(err), x.values),
			"check the indentation and quoting on this line")
		return nil, col.err()
	}
	c := &Config{src: &source{file: name, pos: col.pos, numbers: col.numbers}}
	if len(file.Docs) > 1 {
		col.addAt(docLine(file.Docs[1]), "", "more than one YAML document", "keep a single document: remove the --- separator and what follows")
	}
	if len(file.Docs) > 0 && file.Docs[0].Body != nil {
		d := &decoder{c: col, anchors: map[string]ast.Node{}}
		d.collectAnchors(file.Docs[0].Body)
		d.decode(file.Docs[0].Body, reflect.ValueOf(c).Elem(), "")
	}
	c.loadSchemas(dir, col)
	c.validate(col)
	col.hide(x.secretVars(c))
	if err := col.err(); err != nil {
		return nil, err
	}
	c.ApplyDefaults()
	return c, nil
}

// syntaxLine returns the line a YAML parser error points at, or 0.
func syntaxLine(err error) int {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		return ye.GetToken().Position.Line
	}
	return 0
}

// syntaxMessage returns a parser error's message without its source
// excerpt.
func syntaxMessage(err error) string {
	var ye yaml.Error
	if errors.As(err, &ye) {
		return ye.GetMessage()
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

// scrub hides substituted ${VAR} values in a parser message, in case the
// parser quotes the text of a broken line that holds a secret.
func scrub(msg string, values []string) string {
	for _, v := range values {
		if len(v) >= 4 {
			msg = strings.ReplaceAll(msg, v, Secret(v).String())
		}
	}
	return msg
}

// docLine returns the line a document starts on.
func docLine(d *ast.DocumentNode) int {
	if d.Start != nil {
		return d.Start.Position.Line
	}
	if d.Body != nil && d.Body.GetToken() != nil {
		return d.Body.GetToken().Position.Line
	}
	return 0
}

// File returns the name of the file the configuration was parsed from;
// empty for one built in code.
func (c *Config) File() string {
	if c.src == nil {
		return ""
	}
	return c.src.file
}

package config

import (
	"cmp"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Error is one configuration problem. Its text is one line:
//
//	lifeline.yaml:14: routes[0].chain[1].provider: unknown provider "opnai"; fix: use one of the names defined under providers: (anthropic, openai)
//
// Parse, Load and Validate return every problem found, joined with
// errors.Join; Errors splits them again.
type Error struct {
	// File is the configuration file's name as given to Load or Parse; empty
	// for a configuration built in code.
	File string
	// Line is the 1-based line the problem is on; 0 when unknown.
	Line int
	// Path is the key path, such as routes[0].chain[1].provider; empty when
	// the problem concerns the whole file.
	Path string
	// Msg says what is wrong.
	Msg string
	// Fix says how to mend it; may be empty.
	Fix string
}

// Error formats the problem as "file:line: path: msg; fix: fix".
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":")
			b.WriteString(strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Fix != "" {
		b.WriteString("; fix: ")
		b.WriteString(e.Fix)
	}
	return oneLine(b.String())
}

// Errors returns the configuration problems inside err (as returned by
// Load, Parse or Validate), in order.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var e *Error
		if errors.As(err, &e) {
			out = append(out, e)
		}
	}
	walk(err)
	return out
}

// problem is an error with a suggested fix, returned by the scalar parsers
// so the decoder can place it at a key path.
type problem struct{ msg, fix string }

func (p *problem) Error() string {
	if p.fix == "" {
		return p.msg
	}
	return p.msg + "; fix: " + p.fix
}

// problemOf splits err into message and fix.
func problemOf(err error) (msg, fix string) {
	var p *problem
	if errors.As(err, &p) {
		return p.msg, p.fix
	}
	return err.Error(), ""
}

// collector gathers problems with their positions.
type collector struct {
	file    string
	pos     positions
	numbers map[string]bool // key paths the file set to a number; nil when built in code
	errs    []*Error
}

// add records a problem at path; its line comes from the nearest recorded
// key at or above path.
func (c *collector) add(path, msg, fix string) {
	c.errs = append(c.errs, &Error{File: c.file, Line: c.pos.line(path), Path: path, Msg: msg, Fix: fix})
}

// addAt records a problem at an explicit line.
func (c *collector) addAt(line int, path, msg, fix string) {
	c.errs = append(c.errs, &Error{File: c.file, Line: line, Path: path, Msg: msg, Fix: fix})
}

// written reports whether the file set the number at path: a key written
// as 0 is then a value to check, not "the default". False for a key left
// out, written as null or not a number, and for a configuration built in
// code.
func (c *collector) written(path string) bool { return c.numbers[path] }

// err joins the problems in file order (problems without a line last), or
// returns nil.
func (c *collector) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(c.errs, func(a, b *Error) int {
		la, lb := a.Line, b.Line
		if la == 0 {
			la = math.MaxInt
		}
		if lb == 0 {
			lb = math.MaxInt
		}
		return cmp.Compare(la, lb)
	})
	errs := make([]error, len(c.errs))
	for i, e := range c.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// positions maps key paths to the line they were written on.
type positions map[string]int

// line returns the line of path, or of its nearest recorded parent.
func (p positions) line(path string) int {
	for path != "" {
		if l, ok := p[path]; ok {
			return l
		}
		path = parentPath(path)
	}
	return 0
}

// parentPath drops the last element of a key path:
// "a.b[2]" → "a.b", "a.b" → "a".
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// joinPath appends a key to a path.
func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// indexPath appends a sequence index to a path.
func indexPath(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

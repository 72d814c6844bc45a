package validate

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of arrays and objects, as encoding/json does.
const maxDepth = 10000

// syntaxError is a JSON syntax error. Its message quotes at most one
// character of the input.
type syntaxError struct {
	off int    // byte offset of the offending character
	msg string // what is wrong there
	eof bool   // the input ended inside a value: it was cut short
}

func (e *syntaxError) Error() string {
	if e.eof {
		return "unexpected end of JSON input"
	}
	return e.msg + " at offset " + strconv.Itoa(e.off)
}

// parser is a strict RFC 8259 parser. With build set it produces the
// values encoding/json produces with UseNumber (map[string]any, []any,
// string, json.Number, bool, nil), which is what the schema validator
// reads; without it it only checks syntax and does not allocate.
type parser struct {
	b     []byte
	i     int
	depth int
	build bool
}

// parseJSON decodes one JSON text.
func parseJSON(b []byte) (any, error) {
	p := parser{b: b, build: true}
	return p.document()
}

// checkJSON reports whether b is one JSON text, without building values.
func checkJSON(b []byte) error {
	p := parser{b: b}
	_, err := p.document()
	return err
}

// skipJSON returns the end of the JSON value at b[i:], checking its syntax.
func skipJSON(b []byte, i int) (int, error) {
	p := parser{b: b, i: i}
	p.space()
	if _, err := p.value(); err != nil {
		return 0, err
	}
	return p.i, nil
}

func (p *parser) document() (any, error) {
	p.space()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.b) {
		return nil, p.unexpected("after top-level value")
	}
	return v, nil
}

func (p *parser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) eof() error { return &syntaxError{off: len(p.b), eof: true} }

func (p *parser) unexpected(context string) error {
	if p.i >= len(p.b) {
		return p.eof()
	}
	return &syntaxError{off: p.i, msg: "invalid character " + quoteChar(p.b[p.i]) + " " + context}
}

func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	if c < utf8.RuneSelf {
		q := strconv.QuoteRune(rune(c))
		return "'" + q[1:len(q)-1] + "'"
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}

// value parses the value at p.i; leading space is already skipped.
func (p *parser) value() (any, error) {
	if p.i >= len(p.b) {
		return nil, p.eof()
	}
	switch c := p.b[p.i]; c {
	case '{':
		return p.object()
	case '[':
		return p.array()
	case '"':
		s, err := p.str()
		if err != nil || !p.build {
			return nil, err
		}
		return s, nil
	case 't':
		return true, p.literal("true")
	case 'f':
		return false, p.literal("false")
	case 'n':
		return nil, p.literal("null")
	default:
		if c == '-' || c >= '0' && c <= '9' {
			return p.number()
		}
		return nil, p.unexpected("looking for beginning of value")
	}
}

func (p *parser) literal(word string) error {
	for j := 0; j < len(word); j++ {
		if p.i >= len(p.b) {
			return p.eof()
		}
		if p.b[p.i] != word[j] {
			return p.unexpected("in literal " + word)
		}
		p.i++
	}
	return nil
}

func (p *parser) digits() int {
	n := 0
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}

func (p *parser) number() (any, error) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i >= len(p.b):
		return nil, p.eof()
	case p.b[p.i] == '0':
		p.i++
	case p.b[p.i] >= '1' && p.b[p.i] <= '9':
		p.digits()
	default:
		return nil, p.unexpected("in numeric literal")
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return nil, p.unexpected("after decimal point in numeric literal")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return nil, p.unexpected("in exponent of numeric literal")
		}
	}
	if !p.build {
		return nil, nil
	}
	return json.Number(p.b[start:p.i]), nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return &syntaxError{off: p.i, msg: "exceeded max nesting depth"}
	}
	return nil
}

func (p *parser) object() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.i++ // '{'
	var m map[string]any
	if p.build {
		m = map[string]any{}
	}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		p.depth--
		return m, nil
	}
	for {
		if p.i >= len(p.b) {
			return nil, p.eof()
		}
		if p.b[p.i] != '"' {
			return nil, p.unexpected("looking for beginning of object key string")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.b) {
			return nil, p.eof()
		}
		if p.b[p.i] != ':' {
			return nil, p.unexpected("after object key")
		}
		p.i++
		p.space()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if p.build {
			m[k] = v
		}
		end, err := p.separator('}', "after object key:value pair")
		if err != nil {
			return nil, err
		}
		if end {
			return m, nil
		}
	}
}

func (p *parser) array() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.i++ // '['
	var a []any
	if p.build {
		a = []any{}
	}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		p.depth--
		return a, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if p.build {
			a = append(a, v)
		}
		end, err := p.separator(']', "after array element")
		if err != nil {
			return nil, err
		}
		if end {
			return a, nil
		}
	}
}

// separator reads what follows a member or an element: a comma (more
// follow) or close (the end of the object or array); else the error names
// where it stood.
func (p *parser) separator(close byte, where string) (end bool, err error) {
	p.space()
	if p.i >= len(p.b) {
		return false, p.eof()
	}
	switch p.b[p.i] {
	case ',':
		p.i++
		p.space()
		return false, nil
	case close:
		p.i++
		p.depth--
		return true, nil
	}
	return false, p.unexpected(where)
}

// str parses a string. Like encoding/json it replaces invalid UTF-8 and
// lone surrogates with U+FFFD.
func (p *parser) str() (string, error) {
	p.i++ // opening quote
	start := p.i
	escaped, nonASCII := false, false
	for {
		end, na := plainEnd(p.b, p.i)
		p.i, nonASCII = end, nonASCII || na
		if p.i >= len(p.b) {
			return "", p.eof()
		}
		switch p.b[p.i] {
		case '"':
			p.i++
			if !p.build {
				return "", nil
			}
			raw := p.b[start:end]
			if escaped || nonASCII && !utf8.Valid(raw) {
				return unescape(raw), nil
			}
			return string(raw), nil
		case '\\':
			escaped = true
			p.i++
			if p.i >= len(p.b) {
				return "", p.eof()
			}
			switch p.b[p.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i++
			case 'u':
				p.i++
				for j := 0; j < 4; j++ {
					if p.i >= len(p.b) {
						return "", p.eof()
					}
					if unhex(p.b[p.i]) < 0 {
						return "", p.unexpected("in \\u hexadecimal character escape")
					}
					p.i++
				}
			default:
				return "", p.unexpected("in string escape code")
			}
		default: // a control character
			return "", p.unexpected("in string literal")
		}
	}
}

func unhex(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

func hex4(s []byte) rune {
	return unhex(s[0])<<12 | unhex(s[1])<<8 | unhex(s[2])<<4 | unhex(s[3])
}

// unescape decodes the body of a string whose syntax was already checked.
func unescape(s []byte) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(s[i:])
			out = utf8.AppendRune(out, r) // RuneError for an invalid byte
			i += n
			continue
		}
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		i++
		switch s[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hex4(s[i+1:])
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' { // syntax checked: 4 hex digits follow
					r2 = hex4(s[i+3:])
				}
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					r = d
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default: // '"', '\\', '/'
			out = append(out, s[i])
		}
		i++
	}
	return string(out)
}

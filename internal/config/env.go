package config

import (
	"bytes"
	"fmt"
	"strings"
)

// envVar is a variable substituted into the file, and its value.
type envVar struct{ name, value string }

// lookupFunc looks up an environment variable; os.LookupEnv fits.
type lookupFunc = func(name string) (string, bool)

// expansion is the result of ${VAR} substitution.
type expansion struct {
	text   []byte
	values []string // substituted values, scrubbed from parser messages
	vars   []envVar // the variables substituted from the environment
	errs   []*Error
	// marks maps the placeholder written where a reference could not be
	// substituted to its error, whose key path namePaths fills in.
	marks map[string]*Error
}

// fail records e for a reference that could not be substituted and writes
// a placeholder in its place, so that the key it stands in can be named.
func (x *expansion) fail(b *bytes.Buffer, e *Error) {
	x.errs = append(x.errs, e)
	if x.marks == nil {
		x.marks = map[string]*Error{}
	}
	mark := fmt.Sprintf("lifelineunset%dz", len(x.errs))
	x.marks[mark] = e
	b.WriteString(mark)
}

// expand replaces ${VAR} and ${VAR:-default} in data, outside YAML comments.
// $${ stands for a literal ${. A variable that is unset or empty takes the
// default; without a default, unset or empty is an error naming the
// variable, the file and the line (an empty api_key or base_url would
// otherwise pass for "none" or "the default"; ${VAR:-} allows empty).
// Values may not contain line breaks. A variable's value inside a quoted
// scalar is escaped for its quotes, so that it reads back exactly: a
// backslash or '"' in double quotes, a "'" in single ones. A default is
// file text, written for its quotes already.
func expand(file string, data []byte, env lookupFunc) expansion {
	if env == nil {
		env = func(string) (string, bool) { return "", false }
	}
	var out expansion
	var b bytes.Buffer
	b.Grow(len(data))
	s := scanner{}
	for lineNo, line := range splitLines(data) {
		quote, flow, block := s.quote, s.flow, s.block
		code, comment := s.split(line)
		out.substitute(&b, file, lineNo+1, code, lexState{quote: quote, flow: flow, block: block && s.block}, env)
		b.Write(comment)
	}
	out.text = b.Bytes()
	return out
}

// lexState is the YAML context at the start of a line's code: the quoted
// scalar open there, if any, how deep in flow collections it is, and
// whether the line is content of a block scalar.
type lexState struct {
	quote byte
	flow  int
	block bool
}

// substitute writes code to b with its ${…} references replaced; at is
// the context at the start of code.
func (x *expansion) substitute(b *bytes.Buffer, file string, line int, code []byte, at lexState, env lookupFunc) {
	var quotes []byte // the quote open at each byte of code
	var flows []int   // the flow depth at each byte of code
	if bytes.Contains(code, []byte("${")) {
		quotes, flows = lexIn(code, at.quote, at.flow)
	}
	off := 0 // where code now starts in the line's code
	lineStart := b.Len()
	for {
		i := bytes.IndexByte(code, '$')
		if i < 0 || i+1 >= len(code) {
			b.Write(code)
			return
		}
		b.Write(code[:i])
		switch {
		case code[i+1] == '$' && i+2 < len(code) && code[i+2] == '{':
			b.WriteString("${")
			code, off = code[i+3:], off+i+3
			continue
		case code[i+1] != '{':
			b.WriteByte('$')
			code, off = code[i+1:], off+i+1
			continue
		}
		q, inFlow := quotes[off+i], flows[off+i] > 0
		end := bytes.IndexByte(code[i:], '}')
		if end < 0 {
			x.errs = append(x.errs, &Error{File: file, Line: line,
				Msg: fmt.Sprintf("unterminated %q", trimRef(string(code[i:]))),
				Fix: "close it with }, or write $${ for a literal ${"})
			b.Write(code[i:])
			return
		}
		ref := string(code[i+2 : i+end])
		code, off = code[i+end+1:], off+i+end+1
		name, def, hasDef := strings.Cut(ref, ":-")
		if !validVarName(name) {
			x.fail(b, &Error{File: file, Line: line,
				Msg: fmt.Sprintf("invalid variable reference ${%s}", ref),
				Fix: "use ${NAME} or ${NAME:-default} with NAME of letters, digits and _, or $${ for a literal ${"})
			continue
		}
		v, ok := env(name)
		raw := "" // the environment's value, before escaping
		switch {
		case ok && v != "":
			raw, v = v, escapeFor(q, v)
		case hasDef:
			v = def // file text: written for its quotes already
		case ok:
			x.fail(b, &Error{File: file, Line: line,
				Msg: fmt.Sprintf("environment variable %s is set but empty (${%s})", name, name),
				Fix: fmt.Sprintf("set %s to a value, or write ${%s:-} where an empty value is meant", name, name)})
			continue
		default:
			x.fail(b, &Error{File: file, Line: line,
				Msg: fmt.Sprintf("environment variable %s is not set (${%s})", name, name),
				Fix: fmt.Sprintf("set %s, or give a default: ${%s:-value}", name, name)})
			continue
		}
		if strings.ContainsAny(v, "\r\n") {
			x.fail(b, &Error{File: file, Line: line,
				Msg: fmt.Sprintf("the value of %s contains a line break", name),
				Fix: "remove the line break; ${VAR} values must fit on one line"})
			continue
		}
		if q == 0 && !at.block && !plainText(v, valueStarts(b.Bytes()[lineStart:]), inFlow) {
			x.fail(b, &Error{File: file, Line: line,
				Msg: fmt.Sprintf("the value of %s, unquoted here, would not read as text (YAML takes some characters as a tag, an anchor, a comment or structure)", name),
				Fix: fmt.Sprintf(`quote the reference: "${%s}"`, name)})
			continue
		}
		if v != "" {
			x.values = append(x.values, v)
		}
		if raw != "" {
			x.vars = append(x.vars, envVar{name: name, value: raw})
		}
		b.WriteString(v)
	}
}

// plainText reports whether v, written unquoted into a plain scalar
// (at its start when atStart, inside a flow collection when inFlow), reads
// back as the text v: no indicator that starts a tag, anchor, alias, block
// scalar, quote, comment or flow collection; not a null (~, null); no ": "
// or " #"; inside a flow collection, no flow punctuation (the collection
// would end there); no space at either end (trimmed away).
func plainText(v string, atStart, inFlow bool) bool {
	if v == "" {
		return true
	}
	if atStart && strings.ContainsRune("!&*#|>%@`'\",[]{}", rune(v[0])) {
		return false
	}
	if atStart && (v == "~" || strings.EqualFold(v, "null")) {
		return false // YAML's null: the setting would be empty
	}
	if strings.Contains(v, ": ") || strings.HasSuffix(v, ":") || strings.Contains(v, " #") ||
		inFlow && strings.ContainsAny(v, ",[]{}") || strings.ContainsRune(v, '\t') || v[0] == ' ' || v[len(v)-1] == ' ' {
		return false
	}
	return true
}

// lexIn returns, for each byte of code, the quoted scalar open there (a
// double or a single quote, or 0) and the depth of flow collections,
// given those at its start.
func lexIn(code []byte, quote byte, flow int) (quotes []byte, flows []int) {
	s := scanner{quote: quote, flow: flow}
	quotes, flows = make([]byte, len(code)), make([]int, len(code))
	for i := 0; i < len(code); {
		next := s.step(code, i)
		for j := i; j < next && j < len(code); j++ {
			quotes[j], flows[j] = s.quote, s.flow
		}
		i = next
	}
	return quotes, flows
}

// escapeFor writes v as it must stand inside the given quotes to read back
// as v.
func escapeFor(quote byte, v string) string {
	switch quote {
	case '"':
		return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v)
	case '\'':
		return strings.ReplaceAll(v, "'", "''")
	}
	return v
}

// trimRef shortens an unterminated reference for an error message.
func trimRef(s string) string {
	s = strings.TrimRight(s, "\r\n")
	if len(s) > 24 {
		s = s[:24] + "…"
	}
	return s
}

func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// splitLines splits data after each '\n', keeping the terminators.
func splitLines(data []byte) [][]byte {
	var lines [][]byte
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			lines = append(lines, data)
			break
		}
		lines = append(lines, data[:i+1])
		data = data[i+1:]
	}
	return lines
}

// scanner tracks, line by line, enough YAML lexical state to tell comments
// from content: quoted scalars (which may span lines) and block scalars
// (| and >, whose indented lines are content even when they hold #); and
// the depth of flow collections ([…], {…}), where ',' ends a plain scalar.
type scanner struct {
	quote       byte // '"' or '\'' while inside a quoted scalar
	flow        int  // open flow collections
	block       bool // inside a block scalar
	blockIndent int  // indentation of the line that opened the block scalar
}

// split returns the content part of line and its comment (with the line
// terminator), updating the state.
func (s *scanner) split(line []byte) (code, comment []byte) {
	if s.block {
		ind, blank := indentOf(line)
		if blank || ind > s.blockIndent {
			return line, nil
		}
		s.block = false
	}
	for i := 0; i < len(line); {
		if c := line[i]; s.quote == 0 && c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			s.openBlock(line[:i])
			return line[:i], line[i:]
		}
		i = s.step(line, i)
	}
	s.openBlock(line)
	return line, nil
}

// step moves past line[i] (and the byte it escapes, if any), opening or
// closing a quoted scalar there, and returns where the next byte starts.
func (s *scanner) step(line []byte, i int) int {
	c := line[i]
	switch {
	case s.quote == '"':
		if c == '\\' {
			i++
		} else if c == '"' {
			s.quote = 0
		}
	case s.quote == '\'':
		if c == '\'' {
			if i+1 < len(line) && line[i+1] == '\'' {
				i++
			} else {
				s.quote = 0
			}
		}
	case (c == '"' || c == '\'') && valueStarts(line[:i]):
		s.quote = c
	case (c == '[' || c == '{') && (s.flow > 0 || valueStarts(line[:i])):
		s.flow++
	case (c == ']' || c == '}') && s.flow > 0:
		s.flow--
	}
	return i + 1
}

// openBlock enters block-scalar mode when code ends with an indicator.
func (s *scanner) openBlock(code []byte) {
	if s.quote == 0 && opensBlock(code) {
		s.block = true
		s.blockIndent, _ = indentOf(code)
	}
}

// valueStarts reports whether what follows prefix begins a value, so that a
// quote there opens a quoted scalar, a bracket a flow collection, and an
// indicator character means what YAML makes of it: it must begin a token
// at the start of a value (after a line start, ": ", "- ", "? ", "[", "{"
// or ","), possibly after an &anchor or a !tag.
func valueStarts(prefix []byte) bool {
	if len(prefix) > 0 {
		if last := prefix[len(prefix)-1]; last != ' ' && last != '\t' && last != '[' && last != '{' && last != ',' {
			return false
		}
	}
	for {
		p := bytes.TrimRight(prefix, " \t")
		if len(p) == 0 {
			return true
		}
		switch p[len(p)-1] {
		case ':', '-', '?', '[', '{', ',':
			return true
		}
		// Step back over an anchor or a tag before the value.
		j := bytes.LastIndexAny(p, " \t") + 1
		if p[j] != '&' && p[j] != '!' {
			return false
		}
		prefix = p[:j]
	}
}

// opensBlock reports whether the content of a line (its comment cut off)
// ends with a block scalar indicator such as "|", ">-" or "|2".
func opensBlock(code []byte) bool {
	t := bytes.TrimRight(code, " \t\r\n")
	j := len(t)
	for j > 0 && (t[j-1] == '+' || t[j-1] == '-' || t[j-1] >= '1' && t[j-1] <= '9') && len(t)-j < 2 {
		j--
	}
	if j == 0 || t[j-1] != '|' && t[j-1] != '>' {
		return false
	}
	before := bytes.TrimRight(t[:j-1], " \t")
	if len(before) == 0 {
		return true
	}
	switch before[len(before)-1] {
	case ':', '-', '?':
		return true
	}
	return false
}

// indentOf counts leading spaces; blank reports a line of only whitespace.
func indentOf(line []byte) (n int, blank bool) {
	for n < len(line) && line[n] == ' ' {
		n++
	}
	return n, len(bytes.TrimSpace(line)) == 0
}

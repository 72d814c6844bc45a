package validate

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/lifelinehq/lifeline/wire"
)

// Plan is what applies to one request: the validator's rules plus what the
// request itself asks for (its response schema, its tools). It is immutable
// and may be shared.
type Plan struct {
	json     bool      // the text must be JSON
	schemas  []checked // the text must match each (route schema first)
	toolsOn  bool      // tool calls must name an offered tool, with valid arguments
	tools    []tool    // the offered tools, in request order
	nonEmpty bool
	custom   []Custom
	objects  int // JSON objects in the request's own schemas, bounded by maxRequestSchemaObjects
}

// checked is a compiled schema and how failures name it.
type checked struct {
	sch   *compiled
	label string // `route schema "x.json"`, `response_format schema "name"`, …
}

// tool is one tool the request offers.
type tool struct {
	name string
	sch  *compiled // nil: any JSON object
	free bool      // free-form input (OpenAI custom tools): not checked
}

// Plan reads the request body of dialect d (its response_format /
// output_config schema and its tools) and returns the checks that apply.
// A request whose own schema does not compile is reported as an error
// (the request is rejected before any upstream call); so is a body that is
// not a JSON object, or whose format or tools members are malformed. A
// schema compile error is a *SchemaError.
//
// Only the members that matter are decoded: OpenAI response_format and
// tools; Anthropic output_config (and the earlier output_format) and tools.
func (v *Validator) Plan(d wire.Dialect, request []byte) (*Plan, error) {
	if d != wire.OpenAI && d != wire.Anthropic {
		return nil, fmt.Errorf("validate: unknown dialect %v", d)
	}
	wantFormat, wantTools := !v.spec.NoRequestSchema, !v.spec.NoTools
	if !wantFormat && !wantTools {
		return v.base, nil
	}
	m, err := scanRequest(d, request)
	if err != nil {
		return nil, err
	}
	if !wantFormat {
		m.format, m.outputFormat = nil, nil
	}
	if !wantTools {
		m.tools = nil
	}
	if m.format == nil && m.outputFormat == nil && m.tools == nil {
		return v.base, nil
	}
	p := *v.base
	p.schemas = p.schemas[:len(p.schemas):len(p.schemas)] // appends copy
	if d == wire.OpenAI {
		err = v.openAIFormat(&p, m.format)
	} else {
		err = v.anthropicFormat(&p, "output_config", m.format)
		if err == nil {
			err = v.anthropicFormat(&p, "output_format", m.outputFormat)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := v.offeredTools(&p, d, m.tools); err != nil {
		return nil, err
	}
	return &p, nil
}

// Empty reports whether no check applies (the engine then skips parsing
// the output entirely).
func (p *Plan) Empty() bool {
	return !p.json && len(p.schemas) == 0 && !p.toolsOn && !p.nonEmpty && len(p.custom) == 0
}

// Structured reports whether the request requires JSON output (json or a
// schema applies). Streams are then buffered by default.
func (p *Plan) Structured() bool {
	return p.json || len(p.schemas) > 0
}

// requestMembers are the raw top-level members of a request that Plan
// reads; nil when absent or null.
type requestMembers struct {
	format       []byte // OpenAI response_format; Anthropic output_config
	outputFormat []byte // Anthropic output_format (structured outputs beta)
	tools        []byte
}

// scanRequest finds the members Plan needs, checking the body's syntax in
// the same pass; the rest (mostly the messages) is not decoded.
func scanRequest(d wire.Dialect, body []byte) (requestMembers, error) {
	var m requestMembers
	p := parser{b: body}
	p.space()
	if p.i >= len(body) || body[p.i] != '{' {
		return m, errors.New("validate: request body is not a JSON object")
	}
	bad := func(err error) (requestMembers, error) {
		return requestMembers{}, fmt.Errorf("validate: request body is not valid JSON: %w", err)
	}
	p.i++
	p.depth++
	p.space()
	if p.i < len(body) && body[p.i] == '}' {
		p.i++
	} else {
		for {
			if p.i >= len(body) || body[p.i] != '"' {
				return bad(p.unexpected("looking for beginning of object key string"))
			}
			ks := p.i
			if _, err := p.str(); err != nil {
				return bad(err)
			}
			name := body[ks+1 : p.i-1]
			p.space()
			if p.i >= len(body) || body[p.i] != ':' {
				return bad(p.unexpected("after object key"))
			}
			p.i++
			p.space()
			vs := p.i
			if _, err := p.value(); err != nil {
				return bad(err)
			}
			m.set(d, name, body[vs:p.i])
			p.space()
			if p.i < len(body) && body[p.i] == ',' {
				p.i++
				p.space()
				continue
			}
			if p.i >= len(body) || body[p.i] != '}' {
				return bad(p.unexpected("after object key:value pair"))
			}
			p.i++
			break
		}
	}
	p.space()
	if p.i < len(body) {
		return bad(p.unexpected("after top-level value"))
	}
	return m, nil
}

// set records a top-level member if Plan reads it; the last of repeated
// names wins, as with encoding/json.
func (m *requestMembers) set(d wire.Dialect, name, val []byte) {
	if bytes.IndexByte(name, '\\') >= 0 {
		name = []byte(unescape(name))
	}
	if isNull(val) {
		val = nil
	}
	switch string(name) {
	case "tools":
		m.tools = val
	case "response_format":
		if d == wire.OpenAI {
			m.format = val
		}
	case "output_config":
		if d == wire.Anthropic {
			m.format = val
		}
	case "output_format":
		if d == wire.Anthropic {
			m.outputFormat = val
		}
	}
}

// malformed is the error for a request member of the wrong shape.
func malformed(what, want string) error {
	return fmt.Errorf("validate: request %s is not %s", what, want)
}

// asString returns the string v ("" when absent or null), or an error
// naming what when v is something else.
func asString(v []byte, what string) (string, error) {
	if isNull(v) {
		return "", nil
	}
	s, ok := stringValue(v)
	if !ok {
		return "", malformed(what, "a string")
	}
	return s, nil
}

// asObject returns the object v (nil when absent or null), or an error
// naming what when v is something else.
func asObject(v []byte, what string) ([]byte, error) {
	if isNull(v) {
		return nil, nil
	}
	if v[0] != '{' {
		return nil, malformed(what, "an object")
	}
	return v, nil
}

// openAIFormat applies response_format: json_schema (a schema, which
// implies JSON) or json_object (JSON).
func (v *Validator) openAIFormat(p *Plan, raw []byte) error {
	if raw == nil {
		return nil
	}
	if raw[0] != '{' {
		return malformed("response_format", "an object")
	}
	rawType, rawJS := members2(raw, "type", "json_schema")
	typ, err := asString(rawType, "response_format.type")
	if err != nil {
		return err
	}
	switch typ {
	case "json_object":
		p.json = true
	case "json_schema":
		p.json = true
		js, err := asObject(rawJS, "response_format.json_schema")
		if err != nil || js == nil {
			return err
		}
		rawName, schema := members2(js, "name", "schema")
		name, err := asString(rawName, "response_format.json_schema.name")
		if err != nil || isNull(schema) {
			return err
		}
		label := "response_format schema"
		if name != "" {
			label += " " + strconv.Quote(name)
		}
		return v.addSchema(p, schema, label)
	}
	return nil
}

// anthropicFormat applies output_config ({format:{type,schema}}) or the
// beta output_format ({type,schema}).
func (v *Validator) anthropicFormat(p *Plan, what string, raw []byte) error {
	if raw == nil {
		return nil
	}
	if raw[0] != '{' {
		return malformed(what, "an object")
	}
	label := what + " schema"
	format := raw
	if what == "output_config" {
		var err error
		what += ".format"
		if format, err = asObject(member(raw, "format"), what); err != nil || format == nil {
			return err
		}
	}
	rawType, schema := members2(format, "type", "schema")
	typ, err := asString(rawType, what+".type")
	if err != nil || typ != "json_schema" {
		return err
	}
	p.json = true
	if isNull(schema) {
		return nil
	}
	return v.addSchema(p, schema, label)
}

func (v *Validator) addSchema(p *Plan, text []byte, label string) error {
	sch, err := v.cache.schema(text)
	if err != nil {
		return withSource(err, label)
	}
	p.schemas = append(p.schemas, checked{sch: sch, label: label})
	return p.count(sch)
}

// count adds a schema of the request's to p's objects, and fails past
// maxRequestSchemaObjects.
func (p *Plan) count(sch *compiled) error {
	if p.objects += sch.objects; p.objects > maxRequestSchemaObjects {
		return &SchemaError{Source: "the request", Reason: fmt.Sprintf(
			"its schemas are too large: more than %d objects in all", maxRequestSchemaObjects)}
	}
	return nil
}

// offeredTools reads the request's tools: OpenAI
// [{type:"function",function:{name,parameters}}] (and custom tools, by
// name); Anthropic [{name,input_schema}], where server and built-in tools
// ({type,name}) have a name and no schema. The tool check applies when at
// least one tool has a name.
func (v *Validator) offeredTools(p *Plan, d wire.Dialect, raw []byte) error {
	if raw == nil {
		return nil
	}
	var tools []tool
	var err error
	ok := eachElement(raw, func(el []byte) {
		if err != nil {
			return
		}
		var t tool
		t, err = v.offeredTool(d, el)
		if err == nil && t.sch != nil {
			err = p.count(t.sch)
		}
		if err == nil && t.name != "" {
			tools = append(tools, t)
		}
	})
	if !ok {
		return malformed("tools", "an array")
	}
	if err != nil || len(tools) == 0 {
		return err
	}
	p.toolsOn, p.tools = true, tools
	return nil
}

// offeredTool reads one element of tools; a tool without a name is left
// out (its name is empty).
func (v *Validator) offeredTool(d wire.Dialect, el []byte) (tool, error) {
	var t tool
	if el[0] != '{' {
		return t, malformed("tools[]", "an object")
	}
	var rawName, schema []byte
	if d == wire.Anthropic {
		rawName, schema = members2(el, "name", "input_schema")
	} else {
		rawFn, rawCustom := members2(el, "function", "custom")
		fn, err := asObject(rawFn, "tools[].function")
		if err != nil {
			return t, err
		}
		custom, err := asObject(rawCustom, "tools[].custom")
		if err != nil {
			return t, err
		}
		switch {
		case fn != nil:
			rawName, schema = members2(fn, "name", "parameters")
		case custom != nil:
			rawName, t.free = member(custom, "name"), true
		}
	}
	var err error
	if t.name, err = asString(rawName, "tools[].name"); err != nil || t.name == "" || isNull(schema) {
		return t, err
	}
	if t.sch, err = v.cache.schema(schema); err != nil {
		return t, withSource(err, "tool "+strconv.Quote(t.name))
	}
	return t, nil
}

package validate

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lifelinehq/lifeline/wire"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Check validates out. It returns nil or a *Failure: the first that
// applies, in the order json, schema, tools, non_empty, custom; an answer
// the token limit cut short where JSON is required fails non_empty at
// once.
//
// The text is checked as JSON only when the answer makes no tool call: a
// turn that calls tools carries the structured answer in a later turn, and
// its tool calls are checked instead.
func (p *Plan) Check(out *wire.Output) *Failure {
	if p.Structured() && len(out.ToolCalls) == 0 {
		if out.Truncated {
			// The token limit cut the answer: whatever is left of its
			// JSON (cut inside a value, or whole but short of the
			// schema's fields), the cause is the limit, counted under
			// non_empty as the whole-JSON case below is.
			return &Failure{Validator: "non_empty", Reason: truncatedReason(out)}
		}
		if f := p.checkText(out); f != nil {
			return f
		}
	}
	if p.toolsOn {
		for i := range out.ToolCalls {
			if f := p.checkCall(&out.ToolCalls[i]); f != nil {
				return f
			}
		}
	}
	if p.nonEmpty && len(out.ToolCalls) == 0 && !out.Other && strings.TrimSpace(out.Text) == "" {
		return &Failure{Validator: "non_empty", Reason: "empty answer: no text and no tool call"}
	}
	if p.Structured() && out.Truncated {
		return &Failure{Validator: "non_empty", Reason: truncatedReason(out)}
	}
	for _, c := range p.custom {
		if err := c.Check(out); err != nil {
			return &Failure{Validator: c.Name, Reason: clip(err.Error())}
		}
	}
	return nil
}

func truncatedReason(out *wire.Output) string {
	r := "truncated JSON: the model stopped at its token limit"
	if out.FinishReason != "" {
		r += " (" + clip(strconv.Quote(out.FinishReason)) + ")"
	}
	return clip(r)
}

// checkText parses the text as JSON and matches it against every schema.
func (p *Plan) checkText(out *wire.Output) *Failure {
	body := []byte(StripFence(out.Text))
	if wsEnd(body, 0) == len(body) {
		return &Failure{Validator: "json", Reason: "no JSON: the text is empty"}
	}
	if err := checkJSON(body); err != nil {
		return &Failure{Validator: "json", Reason: jsonReason("text", err, out.Truncated)}
	}
	var doc any // decoded on first need, shared by the schemas
	for _, s := range p.schemas {
		if err := s.sch.match(body, &doc); err != nil {
			return &Failure{Validator: "schema", Reason: schemaReason("text does not match "+s.label, err)}
		}
	}
	return nil
}

// checkCall checks that a tool call names an offered tool and that its
// arguments are JSON matching the tool's schema (any JSON object when the
// tool has none). Empty arguments count as {}, as a streamed call with no
// argument fragments does.
func (p *Plan) checkCall(c *wire.ToolCall) *Failure {
	var t *tool
	for i := range p.tools {
		if p.tools[i].name == c.Name {
			t = &p.tools[i]
			break
		}
	}
	if t == nil {
		return &Failure{Validator: "tools", Reason: clip("call of unknown tool " + strconv.Quote(c.Name) + "; offered: " + p.toolNames())}
	}
	if t.free {
		return nil
	}
	what := "tool " + strconv.Quote(c.Name)
	args := c.Arguments
	start := wsEnd(args, 0)
	if start == len(args) {
		args, start = []byte("{}"), 0
	}
	if err := checkJSON(args); err != nil {
		return &Failure{Validator: "tools", Reason: jsonReason(what+" arguments", err, false)}
	}
	if t.sch == nil {
		if args[start] != '{' {
			return &Failure{Validator: "tools", Reason: clip(what + " arguments are not a JSON object")}
		}
		return nil
	}
	var doc any
	if err := t.sch.match(args, &doc); err != nil {
		return &Failure{Validator: "tools", Reason: schemaReason(what+" arguments do not match its schema", err)}
	}
	return nil
}

// match validates the JSON text b, whose syntax is checked, against c:
// through the fast form when it says valid, else through the library,
// which decodes b into *doc (once, when *doc is still nil).
func (c *compiled) match(b []byte, doc *any) (err error) {
	if c.fast != nil && c.fast.valid(b) {
		return nil
	}
	if *doc == nil {
		if *doc, err = parseJSON(b); err != nil {
			return err
		}
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("schema validator failed: %v", r)
		}
	}()
	return c.lib.Validate(*doc)
}

func (p *Plan) toolNames() string {
	var b strings.Builder
	for i, t := range p.tools {
		if i > 0 {
			b.WriteString(", ")
		}
		if b.Len() > maxReason {
			break
		}
		b.WriteString(t.name)
	}
	return b.String()
}

// jsonReason explains a parse failure of what ("text", "tool \"x\"
// arguments"); an input that ends inside a value is called truncated.
func jsonReason(what string, err error, truncated bool) string {
	var se *syntaxError
	if errors.As(err, &se) && se.eof {
		r := "truncated JSON in " + what + ": input ended inside a value"
		if truncated {
			r += " (the model stopped at its token limit)"
		}
		return clip(r)
	}
	return clip("invalid JSON in " + what + ": " + err.Error())
}

func schemaReason(what string, err error) string {
	var ve *jsonschema.ValidationError
	if errors.As(err, &ve) {
		return clip(what + ": " + describe(ve))
	}
	return clip(what + ": " + err.Error())
}

// StripFence removes one Markdown code fence around s (```json … ``` or
// ``` … ```, surrounding whitespace tolerated) and returns what it held.
// An opening fence without a closing one is removed too, so that a fence
// cut off by the token limit reads as truncated JSON. Text without a fence
// is returned as it is.
func StripFence(s string) string {
	t := strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(t, "```")
	if !ok {
		return s
	}
	// An info string: "json" (any case), then the end of the line.
	if len(rest) >= 4 && strings.EqualFold(rest[:4], "json") {
		if len(rest) == 4 || rest[4] == '\n' || rest[4] == '\r' || rest[4] == ' ' || rest[4] == '\t' {
			rest = rest[4:]
		}
	}
	if inner, ok := strings.CutSuffix(rest, "```"); ok {
		return inner
	}
	return rest
}

package mock

import (
	"encoding/json"

	"github.com/lifelinehq/lifeline/internal/jsonscan"
	"github.com/lifelinehq/lifeline/wire"
)

// answerKind is what a clean answer to a request holds.
type answerKind uint8

const (
	answerText       answerKind = iota // plain text
	answerJSONObject                   // response_format json_object: {"answer": …}
	answerJSONSchema                   // structured output generated from a schema
	answerTool                         // a call to one of the offered tools
)

// request is what the mock reads from a request body. Its slices point
// into the body.
type request struct {
	model        []byte // the "model" value as a JSON string literal; nil when absent
	stream       bool
	includeUsage bool       // OpenAI stream_options.include_usage
	promptBytes  int        // size of messages, system prompt and tools
	kind         answerKind // what a clean answer holds
	schema       []byte     // the JSON schema of answerJSONSchema or answerTool
	toolName     []byte     // the called tool's name, a JSON string literal
}

// parseRequest reads a dialect-d request body. A body the provider would
// refuse (not JSON, a required field missing or of the wrong type) yields
// the provider's 400 instead.
func parseRequest(d wire.Dialect, body []byte) (request, *apiError) {
	var r request
	i := jsonscan.SkipSpace(body, 0)
	if i >= len(body) || !json.Valid(body) {
		e := notJSONError(d, body)
		return r, &e
	}
	if body[i] != '{' {
		e := notObjectError(d)
		return r, &e
	}
	var model, messages, maxTokens []byte // the raw values of the required fields
	var tools, toolChoice, format, stream []byte
	jsonscan.Members(body, func(key, v []byte) bool {
		switch string(key) {
		case "model":
			model = v
			if v[0] == '"' {
				r.model = v
			}
		case "max_tokens":
			maxTokens = v
		case "stream":
			stream = v
			r.stream = string(v) == "true"
		case "stream_options":
			r.includeUsage = string(jsonscan.Member(v, "include_usage")) == "true"
		case "messages":
			messages = v
			r.promptBytes += len(v)
		case "system":
			r.promptBytes += len(v)
		case "tools":
			tools = v
			r.promptBytes += len(v)
		case "tool_choice":
			toolChoice = v
		case "response_format":
			if d == wire.OpenAI {
				format = v
			}
		case "output_config":
			if d == wire.Anthropic {
				format = jsonscan.Member(v, "format")
			}
		case "output_format": // the beta spelling of output_config.format
			if d == wire.Anthropic && format == nil {
				format = v
			}
		}
		return true
	})
	if e := checkRequired(d, model, messages, maxTokens); e != nil {
		return r, e
	}
	if e := checkTypes(d, stream, tools); e != nil {
		return r, e
	}
	if e := checkMessages(d, messages); e != nil {
		return r, e
	}
	if name, schema, ok := chooseTool(d, tools, toolChoice); ok {
		r.kind, r.toolName, r.schema = answerTool, name, schema
		return r, nil
	}
	switch typ := jsonscan.Member(format, "type"); {
	case isString(typ, "json_schema"):
		r.kind = answerJSONSchema
		if d == wire.OpenAI {
			r.schema = jsonscan.Member(jsonscan.Member(format, "json_schema"), "schema")
		} else {
			r.schema = jsonscan.Member(format, "schema")
		}
		if r.schema == nil {
			r.schema = []byte(`{}`)
		}
	case isString(typ, "json_object"):
		r.kind = answerJSONObject
	}
	return r, nil
}

// chooseTool picks the tool a clean answer calls: the one tool_choice names,
// else the first tool with a schema. ok is false when no tool is offered or
// tool_choice is "none".
func chooseTool(d wire.Dialect, tools, choice []byte) (name, schema []byte, ok bool) {
	var want []byte // a forced tool's name
	if d == wire.OpenAI {
		switch {
		case isString(choice, "none"):
			return nil, nil, false
		case len(choice) > 0 && choice[0] == '{':
			want = jsonscan.Member(jsonscan.Member(choice, "function"), "name")
		}
	} else {
		switch typ := jsonscan.Member(choice, "type"); {
		case isString(typ, "none"):
			return nil, nil, false
		case isString(typ, "tool"):
			want = jsonscan.Member(choice, "name")
		}
	}
	jsonscan.Elements(tools, func(t []byte) bool {
		var n, s []byte
		if d == wire.OpenAI {
			fn := jsonscan.Member(t, "function")
			n, s = jsonscan.Member(fn, "name"), jsonscan.Member(fn, "parameters")
			if fn == nil {
				return true
			}
		} else {
			n, s = jsonscan.Member(t, "name"), jsonscan.Member(t, "input_schema")
			if s == nil { // server tools (web search, …) have no input schema
				return true
			}
		}
		if len(n) < 2 || n[0] != '"' || (want != nil && string(n) != string(want)) {
			return true
		}
		name, schema, ok = n, s, true
		return false
	})
	if ok && schema == nil {
		schema = []byte(`{"type":"object","properties":{}}`)
	}
	return name, schema, ok
}

// promptTokens estimates the prompt's token count: about four bytes a token.
func (r *request) promptTokens() int { return max(1, (r.promptBytes+3)/4) }

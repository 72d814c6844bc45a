package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"

	"github.com/lifelinehq/lifeline/internal/jsonscan"
	"github.com/lifelinehq/lifeline/wire"
)

// The providers' answers to a body that is not JSON.
const (
	msgONotJSON = "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP " +
		"library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have " +
		"trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)"
	msgANotJSON = "The request body is not valid JSON: "
)

// notJSONError is the 400 for a body that does not parse as JSON.
func notJSONError(d wire.Dialect, body []byte) apiError {
	if d == wire.OpenAI {
		return requestError(msgONotJSON)
	}
	detail := "Expecting value: line 1 column 1 (char 0)"
	var v any
	var se *json.SyntaxError
	if err := json.Unmarshal(body, &v); errors.As(err, &se) {
		line := 1 + bytes.Count(body[:se.Offset], []byte{'\n'})
		col := se.Offset - int64(bytes.LastIndexByte(body[:se.Offset], '\n')+1)
		detail = se.Error() + ": line " + strconv.Itoa(line) + " column " + strconv.FormatInt(col, 10) +
			" (char " + strconv.FormatInt(se.Offset, 10) + ")"
	}
	return requestError(msgANotJSON + detail)
}

// notObjectError is the 400 for JSON that is not an object.
func notObjectError(d wire.Dialect) apiError {
	if d == wire.OpenAI {
		return requestError(msgONotJSON)
	}
	return requestError("body: Input should be a valid dictionary or object to extract fields from")
}

// checkRequired checks the fields every generation request needs: model
// (a string), messages (a non-empty array) and, for Anthropic, max_tokens
// (a positive integer). Each is the raw JSON value, nil when absent. It
// returns the provider's 400 for the first problem, nil when there is none.
func checkRequired(d wire.Dialect, model, messages, maxTokens []byte) *apiError {
	var e apiError
	if d == wire.OpenAI {
		switch {
		case model == nil || string(model) == "null":
			e = requestError("you must provide a model parameter")
		case model[0] != '"':
			e = invalidType("model", "a string", model)
		case messages == nil:
			e = missingParameter("messages")
		case messages[0] != '[':
			e = invalidType("messages", "an array", messages)
		case !jsonscan.NonEmpty(messages):
			e = apiError{status: 400, typ: "invalid_request_error", param: "messages", code: "empty_array",
				message: "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead."}
		default:
			return nil
		}
		return &e
	}
	switch {
	case model == nil:
		e = requestError("model: Field required")
	case model[0] != '"':
		e = requestError("model: Input should be a valid string")
	case messages == nil:
		e = requestError("messages: Field required")
	case messages[0] != '[':
		e = requestError("messages: Input should be a valid list")
	case !jsonscan.NonEmpty(messages):
		e = requestError("messages: at least one message is required")
	case maxTokens == nil:
		e = requestError("max_tokens: Field required")
	default:
		n, err := strconv.ParseInt(string(maxTokens), 10, 64)
		switch {
		case err != nil:
			e = requestError("max_tokens: Input should be a valid integer")
		case n < 1:
			e = requestError("max_tokens: Input should be greater than or equal to 1")
		default:
			return nil
		}
	}
	return &e
}

// checkTypes checks the optional fields whose type decides how the mock
// answers: stream (a boolean) and tools (an array), each the raw JSON value,
// nil when absent. The providers refuse other types rather than guess (a
// string "true" does not ask for a stream); null, which OpenAI's schema
// allows for optional parameters, is taken as absent.
func checkTypes(d wire.Dialect, stream, tools []byte) *apiError {
	if string(stream) == "null" {
		stream = nil
	}
	if string(tools) == "null" {
		tools = nil
	}
	var e apiError
	switch {
	case stream != nil && string(stream) != "true" && string(stream) != "false":
		if d == wire.OpenAI {
			e = invalidType("stream", "a boolean", stream)
		} else {
			e = requestError("stream: Input should be a valid boolean")
		}
	case tools != nil && tools[0] != '[':
		if d == wire.OpenAI {
			e = invalidType("tools", "an array", tools)
		} else {
			e = requestError("tools: Input should be a valid list")
		}
	default:
		return nil
	}
	return &e
}

// invalidType is OpenAI's 400 for a parameter of the wrong JSON type.
func invalidType(param, want string, v []byte) apiError {
	return apiError{status: 400, typ: "invalid_request_error", param: param, code: "invalid_type",
		message: "Invalid type for '" + param + "': expected " + want + ", but got " + jsonTypeName(v) + " instead."}
}

// jsonTypeName names the type of a JSON value as OpenAI's messages do.
func jsonTypeName(v []byte) string {
	switch v[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	if bytes.ContainsAny(v, ".eE") {
		return "a decimal"
	}
	return "an integer"
}

// The roles each dialect takes in messages, as OpenAI's error lists them.
var (
	openaiRoles    = []string{"system", "assistant", "user", "function", "tool", "developer"}
	anthropicRoles = []string{"user", "assistant"}
)

// checkMessages checks each message of messages (a non-empty JSON array):
// an object with a role the dialect takes and content of a type it
// takes, and an OpenAI tool message names its tool call. Content may be
// absent or null only on an OpenAI assistant message (one that calls
// tools). It returns the provider's 400 for the
// first problem, nil when there is none.
func checkMessages(d wire.Dialect, messages []byte) *apiError {
	n := 0
	jsonscan.Elements(messages, func([]byte) bool { n++; return true })
	var e *apiError
	i := 0
	jsonscan.Elements(messages, func(m []byte) bool {
		e = checkMessage(d, i, i == n-1, m)
		i++
		return e == nil
	})
	return e
}

// checkMessage checks the message at index i, the last one when last; see
// checkMessages.
func checkMessage(d wire.Dialect, i int, last bool, m []byte) *apiError {
	role, content := jsonscan.Member(m, "role"), jsonscan.Member(m, "content")
	name := unquote(role) // "" unless the role is a string
	n := strconv.Itoa(i)
	var e apiError
	if d == wire.OpenAI {
		at := "messages[" + n + "]"
		switch {
		case m[0] != '{':
			e = invalidType(at, "an object", m)
		case role == nil || string(role) == "null":
			e = missingParameter(at + ".role")
		case role[0] != '"':
			e = invalidType(at+".role", "a string", role)
		case !slices.Contains(openaiRoles, name):
			e = apiError{status: 400, typ: "invalid_request_error", param: at + ".role", code: "invalid_value",
				message: "Invalid value: '" + name + "'. Supported values are: 'system', 'assistant', 'user', " +
					"'function', 'tool', and 'developer'."}
		case (content == nil || string(content) == "null") && name != "assistant":
			e = missingParameter(at + ".content")
		case content != nil && content[0] != '"' && content[0] != '[' && content[0] != 'n':
			e = invalidType(at+".content", "a string or an array", content)
		case name == "tool" && !jsonscan.NonEmpty(jsonscan.Member(m, "tool_call_id")):
			e = missingParameter(at + ".tool_call_id")
		default:
			return nil
		}
		return &e
	}
	at := "messages." + n
	switch {
	case m[0] != '{':
		e = requestError(at + ": Input should be a valid dictionary or object to extract fields from")
	case role == nil:
		e = requestError(at + ".role: Field required")
	case role[0] != '"':
		e = requestError(at + ".role: Input should be 'user' or 'assistant'")
	case !slices.Contains(anthropicRoles, name):
		e = requestError(unexpectedRole(name))
	case content == nil:
		e = requestError(at + ".content: Field required")
	case content[0] != '"' && content[0] != '[':
		e = requestError(at + ".content: Input should be a valid list")
	case !jsonscan.NonEmpty(content) && !(last && name == "assistant"):
		e = requestError(at + ": all messages must have non-empty content except for the optional final assistant message")
	default:
		return nil
	}
	return &e
}

// unexpectedRole is Anthropic's message for a message role it does not take.
func unexpectedRole(name string) string {
	if name == "system" {
		return `messages: Unexpected role "system". The Messages API accepts a top-level ` +
			"`system` parameter, not \"system\" as an input message role."
	}
	return `messages: Unexpected role "` + name + `". Allowed roles are "user" or "assistant"`
}

// missingParameter is OpenAI's 400 for a required parameter that is absent.
func missingParameter(param string) apiError {
	return apiError{status: 400, typ: "invalid_request_error", param: param, code: "missing_required_parameter",
		message: "Missing required parameter: '" + param + "'."}
}

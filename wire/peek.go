package wire

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/lifelinehq/lifeline/internal/jsonscan"
)

// Fields is what the top level of a request body says about routing. Peek
// fills it without decoding the body.
type Fields struct {
	Model       string // the "model" member; names a route at the gateway
	Stream      bool   // "stream": true
	HasMessages bool   // a "messages" array is present
	HasTools    bool   // a non-empty "tools" array is present
	HasSchema   bool   // a "response_format", "output_config" or "output_format" object is present

	modelStart, modelEnd int // byte span of the model value (of any type), quotes included

	responseFormat, outputConfig, outputFormat bool // the last such member is an object
}

// Errors reported by Peek.
var (
	ErrMalformed = errors.New("request body is not valid JSON")
	ErrNotObject = errors.New("request body is not a JSON object")
)

// Peek reads the top-level members of a JSON request body that routing
// needs. It validates the whole body and allocates only the model string
// (and keys written with escapes). Member names are compared after
// unescaping, and the last of duplicate members wins, as in the providers'
// decoders.
func Peek(body []byte) (Fields, error) { return peek(body, true, true) }

// Scan is Peek for a body the caller trusts to be JSON (an SDK's request
// passing through lifeline's RoundTripper): it neither validates the body
// nor copies the model string, so it allocates nothing and costs a fraction
// of Peek. On malformed input it reports ErrMalformed or reads what it can;
// it never panics. The upstream then judges the body.
func Scan(body []byte) (Fields, error) { return peek(body, false, false) }

func peek(body []byte, copyModel, validate bool) (Fields, error) {
	var f Fields
	if validate && !jsonscan.Valid(body) {
		return f, ErrMalformed
	}
	i := jsonscan.SkipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return f, ErrNotObject
	}
	i++
	for {
		i = jsonscan.SkipSpace(body, i)
		if i < len(body) && body[i] == '}' {
			return f, nil
		}
		if i < len(body) && body[i] == ',' {
			i = jsonscan.SkipSpace(body, i+1)
		}
		// The checks below matter only for bodies Scan did not validate:
		// malformed input ends the scan, never overruns it.
		ks := i
		if ks >= len(body) || body[ks] != '"' {
			return f, ErrMalformed
		}
		ke := jsonscan.SkipValue(body, i)
		if ke-ks < 2 {
			return f, ErrMalformed
		}
		key := body[ks+1 : ke-1]
		i = jsonscan.SkipSpace(body, ke)
		if i >= len(body) || body[i] != ':' {
			return f, ErrMalformed
		}
		i = jsonscan.SkipSpace(body, i+1)
		vs := i
		ve := jsonscan.SkipValue(body, i)
		if ve <= vs {
			return f, ErrMalformed
		}
		v := body[vs:ve]
		if bytes.IndexByte(key, '\\') >= 0 {
			// An escaped key ("mod\u0065l") means the same member to the
			// provider's decoder.
			k, err := unquote(body[ks:ke])
			if err != nil {
				return f, ErrMalformed
			}
			key = []byte(k)
		}
		switch string(key) {
		case "model":
			// The span is kept whatever the value's type, so that SetModel
			// replaces it rather than adding a second member.
			f.Model = ""
			f.modelStart, f.modelEnd = vs, ve
			if v[0] == '"' && copyModel {
				s, err := unquote(v)
				if err != nil {
					return f, ErrMalformed
				}
				f.Model = s
			}
		case "stream":
			f.Stream = string(v) == "true"
		case "messages":
			f.HasMessages = v[0] == '['
		case "tools":
			f.HasTools = v[0] == '[' && jsonscan.NonEmpty(v)
		case "response_format":
			f.responseFormat = v[0] == '{'
		case "output_config":
			f.outputConfig = v[0] == '{'
		case "output_format": // Anthropic's beta spelling of output_config.format
			f.outputFormat = v[0] == '{'
		}
		f.HasSchema = f.responseFormat || f.outputConfig || f.outputFormat
		i = ve
	}
}

// SetModel returns body with its top-level "model" value replaced by model.
// f must come from Peek(body). If the body has no model member, one is added.
// The result is a new slice; body is not modified.
func SetModel(body []byte, f Fields, model string) []byte {
	return AppendSetModel(make([]byte, 0, len(body)+len(model)+12), body, f, model)
}

// AppendSetModel is SetModel appending the result to dst. dst must not
// overlap body.
func AppendSetModel(dst, body []byte, f Fields, model string) []byte {
	if f.modelEnd == 0 {
		i := jsonscan.SkipSpace(body, 0) + 1
		dst = append(dst, body[:i]...)
		dst = append(dst, `"model":`...)
		dst = appendString(dst, model)
		if j := jsonscan.SkipSpace(body, i); j < len(body) && body[j] != '}' {
			dst = append(dst, ',')
		}
		return append(dst, body[i:]...)
	}
	dst = append(dst, body[:f.modelStart]...)
	dst = appendString(dst, model)
	return append(dst, body[f.modelEnd:]...)
}

func unquote(v []byte) (string, error) {
	// Fast path: no escapes.
	plain := true
	for _, c := range v[1 : len(v)-1] {
		if c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(v[1 : len(v)-1]), nil
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

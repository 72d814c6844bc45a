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
	HasMessages bool   // a "messages" array with at least one element is present
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
// nor copies the model string, so it allocates nothing. On malformed input it reports ErrMalformed or reads what it can;
// it never panics. The upstream then judges the body.
func Scan(body []byte) (Fields, error) { return peek(body, false, false) }

func peek(body []byte, copyModel, validate bool) (Fields, error) {
	if validate {
		return peekValid(body, copyModel)
	}
	var f Fields
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
		// The checks below matter only because the body is not validated:
		// malformed input ends the scan, never overruns it.
		ks := i
		if ks >= len(body) || body[ks] != '"' {
			return f, ErrMalformed
		}
		ke := jsonscan.SkipValue(body, i)
		if ke-ks < 2 {
			return f, ErrMalformed
		}
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
		if err := f.member(body, ks, ke, vs, ve, copyModel); err != nil {
			return f, err
		}
		i = ve
	}
}

// peekValid is peek for a body it validates in the same pass: it checks the
// top-level object's grammar itself and each member name and value with
// jsonscan.ValidValue, one level deep, so that the whole body is read once
// and judged as encoding/json's Valid judges it. Any error comes with the
// zero Fields.
func peekValid(body []byte, copyModel bool) (Fields, error) {
	i := jsonscan.SkipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		// Valid JSON that is not an object, or no JSON at all.
		if e := jsonscan.ValidValue(body, i, 0); e < 0 || jsonscan.SkipSpace(body, e) != len(body) {
			return Fields{}, ErrMalformed
		}
		return Fields{}, ErrNotObject
	}
	var f Fields
	i = jsonscan.SkipSpace(body, i+1)
	if i >= len(body) || body[i] != '}' {
		for {
			ks := i
			if ks >= len(body) || body[ks] != '"' {
				return Fields{}, ErrMalformed
			}
			ke := jsonscan.ValidValue(body, ks, 1)
			if ke < 0 {
				return Fields{}, ErrMalformed
			}
			i = jsonscan.SkipSpace(body, ke)
			if i >= len(body) || body[i] != ':' {
				return Fields{}, ErrMalformed
			}
			vs := jsonscan.SkipSpace(body, i+1)
			ve := jsonscan.ValidValue(body, vs, 1)
			if ve < 0 {
				return Fields{}, ErrMalformed
			}
			if f.member(body, ks, ke, vs, ve, copyModel) != nil {
				return Fields{}, ErrMalformed
			}
			i = jsonscan.SkipSpace(body, ve)
			if i < len(body) && body[i] == ',' {
				i = jsonscan.SkipSpace(body, i+1)
				continue
			}
			if i >= len(body) || body[i] != '}' {
				return Fields{}, ErrMalformed
			}
			break
		}
	}
	// body[i] is the closing brace: only whitespace may follow it.
	if jsonscan.SkipSpace(body, i+1) != len(body) {
		return Fields{}, ErrMalformed
	}
	return f, nil
}

// member records the top-level member whose name is body[ks:ke] and whose
// value is body[vs:ve], both non-empty and the name quoted.
func (f *Fields) member(body []byte, ks, ke, vs, ve int, copyModel bool) error {
	key, v := body[ks+1:ke-1], body[vs:ve]
	if bytes.IndexByte(key, '\\') >= 0 {
		// An escaped key ("mod\u0065l") means the same member to the
		// provider's decoder.
		k, err := unquote(body[ks:ke])
		if err != nil {
			return ErrMalformed
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
				return ErrMalformed
			}
			f.Model = s
		}
	case "stream":
		f.Stream = string(v) == "true"
	case "messages":
		f.HasMessages = v[0] == '[' && jsonscan.NonEmpty(v)
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
	return nil
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

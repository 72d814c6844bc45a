package wire

import (
	"errors"

	"github.com/lifelinehq/lifeline/internal/jsonscan"
)

var (
	errNotObject = errors.New("not one JSON object")
	errNoContent = errors.New(`response has no "content" array`)
)

// CheckShape is a cheap test that body has the shape of a non-streaming
// answer of dialect d: one JSON object, nothing after it, with a non-empty
// "choices" array (OpenAI) or a "content" array (Anthropic). It scans the
// body once without decoding it, so it catches an empty or cut body, a page
// of HTML and an object of another kind, but not every malformed string or
// number inside an otherwise well-built object (ParseOutput does).
func CheckShape(d Dialect, body []byte) error {
	key := "choices"
	if d == Anthropic {
		key = "content"
	}
	var val []byte
	i := jsonscan.SkipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return errNotObject
	}
	i = jsonscan.SkipSpace(body, i+1)
	for first := true; ; first = false {
		if i < len(body) && body[i] == '}' {
			break
		}
		if !first {
			if i >= len(body) || body[i] != ',' {
				return errNotObject
			}
			i = jsonscan.SkipSpace(body, i+1)
		}
		ke := jsonscan.SkipValue(body, i)
		if i >= len(body) || body[i] != '"' || ke-i < 2 || body[ke-1] != '"' {
			return errNotObject
		}
		k := body[i+1 : ke-1]
		i = jsonscan.SkipSpace(body, ke)
		if i >= len(body) || body[i] != ':' {
			return errNotObject
		}
		i = jsonscan.SkipSpace(body, i+1)
		ve := jsonscan.SkipValue(body, i)
		if ve <= i || ve >= len(body) {
			return errNotObject // a value the body's end cuts
		}
		if val == nil && string(k) == key {
			val = body[i:ve]
		}
		i = jsonscan.SkipSpace(body, ve)
	}
	if jsonscan.SkipSpace(body, i+1) != len(body) {
		return errNotObject
	}
	if len(val) < 2 || val[0] != '[' || val[len(val)-1] != ']' {
		if d == Anthropic {
			return errNoContent
		}
		return ErrNoChoices
	}
	if d != Anthropic && !jsonscan.NonEmpty(val) {
		return ErrNoChoices
	}
	return nil
}

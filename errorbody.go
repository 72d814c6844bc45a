package lifeline

import (
	"bytes"
	"encoding/json"

	"github.com/lifelinehq/lifeline/translate"
	"github.com/lifelinehq/lifeline/wire"
)

// attemptJSON is one entry of the "lifeline" member of error bodies.
type attemptJSON struct {
	Target     string  `json:"target"`
	Status     int     `json:"status"`
	Class      string  `json:"class"`
	Error      string  `json:"error,omitempty"`
	DurationMS float64 `json:"duration_ms"`
}

// attemptsJSON returns the "lifeline" member of error bodies:
// {"attempts":[{"target","status","class","error","duration_ms"}]}.
func attemptsJSON(attempts []Attempt) []byte {
	v := struct {
		Attempts []attemptJSON `json:"attempts"`
	}{Attempts: make([]attemptJSON, len(attempts))}
	for i, a := range attempts {
		v.Attempts[i] = attemptJSON{
			Target: a.Target, Status: a.Status, Class: a.Class.String(), Error: a.Err,
			DurationMS: float64(a.Duration.Microseconds()) / 1000,
		}
	}
	b, _ := json.Marshal(v)
	return b
}

// Body returns the error body a client of dialect d receives: for a
// rejected request, the provider's own error (translated to d when the
// dialects differ); otherwise lifeline's error. Both carry the top-level
// "lifeline" member listing every attempt.
func (e *Error) Body(d wire.Dialect) []byte {
	extra := attemptsJSON(e.Attempts)
	if u := e.Upstream; u != nil {
		body := u.Body
		if u.Dialect != d {
			body = translate.Error(u.Dialect, d, u.Status, body)
		} else {
			// A page from a proxy in front of the provider, not its error:
			// the client still gets an error of its dialect.
			body = translate.Restate(d, u.Status, body)
		}
		if b, ok := withMember(body, "lifeline", extra); ok {
			return b
		}
	}
	return wire.ErrorBody(d, e.Code, e.Code, e.Message, extra)
}

// withMember adds "name": value to the JSON object body.
func withMember(body []byte, name string, value []byte) ([]byte, bool) {
	body = bytes.TrimSpace(body)
	if len(body) < 2 || body[0] != '{' || body[len(body)-1] != '}' || !json.Valid(body) {
		return nil, false
	}
	out := make([]byte, 0, len(body)+len(name)+len(value)+4)
	out = append(out, body[:len(body)-1]...)
	if len(bytes.TrimSpace(body[1:len(body)-1])) > 0 {
		out = append(out, ',')
	}
	out = append(out, '"')
	out = append(out, name...)
	out = append(out, `":`...)
	out = append(out, value...)
	return append(out, '}'), true
}

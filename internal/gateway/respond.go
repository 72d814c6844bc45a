package gateway

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/wire"
)

// passHeader reports whether an upstream response header is passed back to
// the client: the providers' rate-limit headers and request id.
func passHeader(k string) bool {
	switch {
	case strings.HasPrefix(k, "X-Ratelimit-"), strings.HasPrefix(k, "Anthropic-Ratelimit-"):
		return true
	case k == "Request-Id", k == "Openai-Processing-Ms":
		return true
	}
	return false
}

// setHeaders writes lifeline's own headers and the passed-back upstream ones.
func setHeaders(h http.Header, red *redactor, route string, resp *lifeline.Response) {
	for k, v := range resp.Header {
		if passHeader(k) {
			h[k] = red.values(v)
		}
	}
	h[lifeline.HeaderRoute] = []string{route}
	h[lifeline.HeaderTarget] = []string{resp.Target}
	h[lifeline.HeaderAttempts] = []string{strconv.Itoa(len(resp.Attempts))}
}

// writeError answers with an error of lifeline's in the client's dialect.
// Upstream messages inside it (a rejected request's body, the attempts'
// errors) pass through red.
func writeError(w http.ResponseWriter, red *redactor, d wire.Dialect, route string, e *lifeline.Error) {
	writeErrorRetry(w, red, d, route, e, false)
}

// writeErrorRetry is writeError with the x-should-retry header given:
// true only for a request lifeline did not work on and another replica
// may serve.
func writeErrorRetry(w http.ResponseWriter, red *redactor, d wire.Dialect, route string, e *lifeline.Error, retry bool) {
	writeErrorBody(w, e.Status, errorHeaders(w.Header(), red, d, route, e, retry))
}

// errorHeaders sets the headers of the error answer e in h and returns its
// body.
func errorHeaders(h http.Header, red *redactor, d wire.Dialect, route string, e *lifeline.Error, retry bool) []byte {
	h["Content-Type"] = []string{"application/json"}
	h["X-Should-Retry"] = []string{strconv.FormatBool(retry)}
	if route != "" {
		h[lifeline.HeaderRoute] = []string{route}
		h[lifeline.HeaderAttempts] = []string{strconv.Itoa(len(e.Attempts))}
	}
	if e.RetryAfter > 0 {
		h["Retry-After"] = []string{strconv.Itoa(int((e.RetryAfter + time.Second - 1) / time.Second))}
	}
	if u := e.Upstream; u != nil {
		for k, v := range u.Header {
			if passHeader(k) {
				h[k] = red.values(v)
			}
		}
	}
	body := red.bytes(e.Body(d))
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	return body
}

// writeErrorBody writes an error answer whose headers errorHeaders set.
func writeErrorBody(w http.ResponseWriter, status int, body []byte) {
	// A rejected request's body may be large: a client that stops reading
	// does not hold the handler forever.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(writeTimeout))
	w.WriteHeader(status)
	w.Write(body)
}

// unreadDrain bounds how long the rest of a request body the gateway did
// not read is drained after the answer, so that a client still sending it
// reads the answer rather than a reset connection.
const unreadDrain = time.Second

// closeUnread closes the connection after an answer given without reading
// the request body to its end. net/http would otherwise read the rest of
// the body before the connection's next request, with no time bound: a
// client that declares a body and never sends it would hold the
// connection, and its goroutine, forever.
func closeUnread(w http.ResponseWriter) {
	w.Header()["Connection"] = []string{"close"}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(unreadDrain))
}

// clientError is an error lifeline answers before any upstream call.
func clientError(status int, code, msg string) *lifeline.Error {
	return lifeline.NewError(lifeline.ErrBadRequest, status, code, msg)
}

package compat_test

import (
	"errors"
	"net/http"
)

// sdk is one Go SDK as the cases written once drive it (sdkcases_test.go,
// sdkfailures_test.go): how it sends a request, what it reads of the
// answer, and how its typed API error looks. openaiSDK and anthropicSDK
// are the two values.
type sdk struct {
	// dialect is the wire dialect of the SDK's client, "openai" or
	// "anthropic": the routes of chainsFor(dialect) are the ones it meets.
	dialect string
	// errorType names the SDK's typed API error in failure messages.
	errorType string
	// stop is the finish reason (OpenAI) or stop reason (Anthropic) of a
	// text answer, toolStop that of an answer that calls a tool.
	stop, toolStop string
	// toolType is the type a tool call has as the SDK reads it: the
	// call's type (OpenAI) or its content block's (Anthropic).
	toolType string
	// send sends r through an SDK client of the face and reads the
	// answer. When a stream fails, the reply holds the text that reached
	// the client before the error.
	send func(e *env, fc face, r request) (reply, error)
	// apiError unwraps err into the SDK's own typed error; false when err
	// is not one.
	apiError func(err error) (apiError, bool)
}

// request is one request of the shared cases.
type request struct {
	route  string
	stream bool
	// structured asks for JSON that satisfies answerSchema instead of
	// plain text; tools asks for the weather in Paris with the weather
	// tool offered.
	structured, tools bool
	// headers are extra request headers: a mock fault, a timeout, an
	// idempotency key.
	headers map[string]string
}

// buildParams picks, by what r asks for, the SDK's builder of plain,
// structured or tool parameters and builds them for r's route.
func buildParams[P any](r request, plain, structured, tools func(route string) P) P {
	switch {
	case r.structured:
		return structured(r.route)
	case r.tools:
		return tools(r.route)
	}
	return plain(r.route)
}

// faultHeaders returns the request headers that make the mock behind the
// first target misbehave as named, with the fault's argument if any.
func faultHeaders(name, arg string) map[string]string {
	h := map[string]string{"X-Mock-Fault": name}
	if arg != "" {
		h["X-Mock-Fault-Arg"] = arg
	}
	return h
}

// headerOptions turns request headers into an SDK's request options,
// withHeader being the SDK's option.WithHeader.
func headerOptions[O any](headers map[string]string, withHeader func(key, value string) O) []O {
	var opts []O
	for k, v := range headers {
		opts = append(opts, withHeader(k, v))
	}
	return opts
}

// sdkStream is an SDK's stream of events of type T.
type sdkStream[T any] interface {
	Next() bool
	Current() T
	Err() error
	Close() error
}

// drain reads s to its end, handing each event to add, and closes it. It
// returns the stream's error, or add's, which ends the reading.
func drain[T any](s sdkStream[T], add func(T) error) error {
	defer s.Close()
	for s.Next() {
		if err := add(s.Current()); err != nil {
			return err
		}
	}
	return s.Err()
}

// headerOf returns the headers of a response an SDK captured; nil when it
// captured none.
func headerOf(raw *http.Response) http.Header {
	if raw == nil {
		return nil
	}
	return raw.Header
}

// reply is what the shared cases read of an answer, whatever the SDK.
type reply struct {
	id, role string
	// text joins the answer's text content.
	text string
	// finish is the finish reason (OpenAI) or stop reason (Anthropic).
	finish string
	// inputTokens and outputTokens are the usage the answer reports.
	inputTokens, outputTokens int64
	// headers are the response headers (nil when none were captured).
	headers http.Header
	// calls are the answer's tool calls.
	calls []toolCall
	// toolResult continues the conversation: it sends back the result of
	// the tool call id, with tools no longer allowed, and reads the
	// model's next answer.
	toolResult func(id, result string) (reply, error)
}

// toolCall is one call of a tool in an answer; args is its JSON.
type toolCall struct {
	id, typ, name, args string
}

// apiError is what the shared cases read of an SDK's typed API error.
type apiError struct {
	status int
	typ    string
	// response is the HTTP response the SDK kept, its body still readable.
	response *http.Response
	// raw is the error's JSON as the SDK received it.
	raw string
}

// asAPIError finds the SDK's typed error E in err's chain and reads it;
// false when there is none.
func asAPIError[E error](err error, read func(E) apiError) (apiError, bool) {
	var e E
	if !errors.As(err, &e) {
		return apiError{}, false
	}
	return read(e), true
}

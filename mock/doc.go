// Package mock is a fault-injecting fake model provider: an http.Handler
// that speaks the OpenAI Chat Completions dialect (POST /v1/chat/completions
// and /chat/completions) and the Anthropic Messages dialect (POST
// /v1/messages), for tests of anything that calls model APIs. It backs the
// `lifeline mock` command and lifeline's built-in demo, and is importable in
// your own Go tests:
//
//	run, err := mock.Listen("127.0.0.1:0", mock.Config{Seed: 7,
//		Faults: map[mock.Fault]float64{mock.Overloaded: 0.1, mock.RateLimit: 0.05}})
//	if err != nil { … }
//	defer run.Close()
//	// point the client at run.URL+"/v1" (OpenAI) or run.URL (Anthropic)
//
// # Answers
//
// The model in the request is echoed. A request that offers tools gets a
// call to the first tool (or the one tool_choice names) whose arguments
// are generated to satisfy the tool's JSON schema; a request with
// response_format json_schema (OpenAI) or output_config.format json_schema
// (Anthropic) gets JSON generated from the schema; json_object gets
// {"answer": "…"}; anything else gets a fixed text. Generation covers
// objects, required and optional properties, string, number, integer,
// boolean, null, enum, const, arrays, formats, length and numeric bounds,
// anyOf/oneOf/allOf (first alternative) and local $refs. The answer does
// not depend on the request's max_tokens or max_completion_tokens: it is
// whole even when it counts more tokens than they allow; the max_tokens
// fault sends an answer stopped at the limit.
//
// With "stream": true the answer is an SSE stream in the provider's exact
// event sequence: Anthropic message_start, content_block_start, ping,
// content_block_delta…, content_block_stop, message_delta, message_stop;
// OpenAI a role chunk, content (or tool-call) chunks, a finish chunk, a
// usage chunk when stream_options.include_usage is set, and data: [DONE].
// Usage counts are estimated from the sizes of the prompt and the answer.
// Every response carries request-id (Anthropic) or x-request-id (OpenAI)
// and the provider's rate-limit headers.
//
// Config.Schemas gives a model a JSON schema of its own: a request for
// that model that asks for plain text or json_object (no tools, no schema
// of its own) gets JSON generated from that schema, as if it had asked for
// it, so a route that validates its answers against a schema can be served
// by a plain request; not_json and bad_schema break it.
//
// # Refused requests
//
// A request the real API refuses gets the provider's 400
// invalid_request_error, whatever fault would have been injected: a body
// that is not JSON (OpenAI "We could not parse the JSON body of your
// request…", Anthropic "The request body is not valid JSON: …"), no model
// ("you must provide a model parameter" / "model: Field required"), no
// messages or an empty list ("Missing required parameter: 'messages'." with
// code missing_required_parameter, "Invalid 'messages': empty array…" with
// code empty_array / "messages: Field required", "messages: at least one
// message is required"), a model or messages of the wrong type, a stream
// that is not a boolean or tools that are not a list ("Invalid type for
// 'stream': expected a boolean…" / "stream: Input should be a valid
// boolean"), and for Anthropic no max_tokens ("max_tokens: Field
// required") or one that is not a positive integer. Each message must be
// an object with a role the dialect takes (OpenAI "Invalid value: 'bot'.
// Supported values are: …" with code invalid_value; Anthropic "messages:
// Unexpected role …", with its hint toward the top-level system for a
// "system" message) and content that is a string or a list (absent or
// null only on an OpenAI assistant message); an OpenAI tool message needs
// its tool_call_id; and an Anthropic message may be empty only when it is
// the final assistant message.
//
// # Faults
//
// Each request gets one fault (None for a clean answer). The n-th request's
// fault is drawn from Config.Faults as a pure function of Config.Seed and n,
// so a run is reproducible; the header X-Mock-Fault: NAME forces a fault on
// one request, and X-Mock-Fault-Arg gives it an argument made of tokens
// joined by ':' — a count N, a duration, a word. The faults are:
//
//	rate_limit           429 rate_limit_error / rate_limit_exceeded, -remaining: 0 and a wait
//	                     hint; arg: retry-after | retry-after-ms | http-date | reset | none,
//	                     and the wait (e.g. "http-date:2s")
//	quota                429 insufficient_quota (OpenAI; arg: the code) / rate_limit_error with
//	                     details.error_code enforced_spend_limit_reached (Anthropic)
//	overloaded           529 overloaded_error (Anthropic) / 503 "currently overloaded" (OpenAI)
//	server_error         500 api_error / server_error
//	bad_gateway          502 with the CDN's HTML page
//	unavailable          503 that does not say overloaded
//	context_length       400 "prompt is too long" / context_length_exceeded
//	bad_request          400 invalid_request_error
//	auth                 401 authentication_error / invalid_api_key
//	hang                 no headers until the client leaves; dropped after hang_max (arg: bound)
//	stall                a stream stops after N events (arg: N, and the bound); a JSON body
//	                     after half of it
//	stream_error_before  an SSE error event before any content (arg: overloaded | server_error)
//	stream_error_after   an SSE error event after N content events (arg: kind and N)
//	cut                  a stream ends cleanly without message_stop / [DONE] (arg: N events
//	                     sent); a JSON body ends after half of its declared length
//	not_json             structured output wrapped in a Markdown fence
//	bad_schema           structured output missing a required field (arg: type — a wrong type)
//	bad_tool_args        tool arguments breaking the tool schema (arg: not_json — cut JSON)
//	empty                an empty completion
//	max_tokens           the answer stops at the token limit: text, JSON or tool arguments cut
//	                     short, stop_reason max_tokens / finish_reason length (cut plain text
//	                     stays valid; cut JSON does not)
//
// The header X-Mock-Should-Retry: true|false (or Config.ShouldRetry for
// every request) makes every response to the request that is not a clean
// answer — an error status, a broken stream, an invalid output — carry
// x-should-retry with that value, the header by which providers override
// the SDKs' retry rule; clean answers never carry it.
//
// Config.Outage is a recurring outage on the server's clock: from After
// on, for For out of every Every, every request that does not force a
// fault with X-Mock-Fault gets the outage's fault (default overloaded), as
// during a provider's incident; in between, the mix applies again.
//
// Stream faults on a non-streaming request become the matching error
// status (stream_error_*) or a cut body (stall, cut). Content faults
// (not_json, bad_schema, bad_tool_args) on a request that does not ask for
// that kind of content leave the answer valid. Config.Latency delays the
// headers, Config.TTFT the first content event, Config.EventDelay every
// event; X-Mock-Latency and X-Mock-Ttft override them per request.
//
// A mistake in a mock header is refused with a 400 invalid_request_error
// whose message names the header, so a test never runs on defaults it did
// not ask for: an unknown X-Mock-Fault, an X-Mock-Should-Retry that is not
// true or false, an X-Mock-Latency or X-Mock-Ttft that is not a delay, and
// an X-Mock-Fault-Arg with a negative or repeated token or, next to
// X-Mock-Fault, a token that fault does not take (a wait is a duration:
// "250ms", not "250").
//
// Hang and stall end by panicking with http.ErrAbortHandler (net/http
// drops the connection); call ServeHTTP through an http.Server, not a
// bare ResponseRecorder, when those faults may occur.
//
// # Ledger
//
// The server records every response it sends — sequence number, fault,
// status, response and tool-call ids, whether the output was valid, when
// the request arrived and the Idempotency-Key it carried — before its
// first byte leaves, so a test can check that a gateway never served an
// invalid answer as a good one: look the id it returned up with Lookup.
// The key shows which attempts belong to one logical request: a gateway's
// retries and fallbacks carry the same key, and a key that reaches the
// provider again after a clean answer was a request run twice. Stats
// counts requests by fault and by path.
//
// # Behind lifeline
//
// lifeline serve forwards a client's other request headers upstream, the
// X-Mock-* ones included, to every attempt: an X-Mock-Fault sent to the
// gateway fails each target of the route that is a mock, and each retry.
// To fail one target and not the next, give each target a mock of its
// own (Listen, or lifeline mock on its own port, with its own Name) and
// steer it with its Faults, Outage or FaultOf. The gateway does not pass
// the mock's X-Mock-Fault response header back; the mock's ledger (Ledger,
// Lookup, GET /_mock/ledger) says what each attempt got.
//
// # Configuration
//
// Config loads from YAML (LoadConfig):
//
//	seed: 7
//	name: mock
//	faults: {overloaded: 0.1, rate_limit: 0.05}
//	latency: 20ms-80ms
//	ttft: 200ms
//	event_delay: 5ms
//	stall_after: 3
//	error_after: 2
//	cut_after: 0
//	hint: retry-after
//	hint_after: 1s
//	hang_max: 60s
//	text: "Hello!"
//	ledger_size: 100000
//	should_retry: false
//	outage: {after: 20s, for: 8s, every: 40s, fault: overloaded}
//	schemas:
//	  json-model: {type: object, required: [answer], properties: {answer: {type: string}}}
package mock

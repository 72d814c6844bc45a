package demo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
)

// shape is what a synthetic agent request asks for.
type shape uint8

const (
	// plainText asks route "demo" for a text answer.
	plainText shape = iota
	// routeSchema asks route "demo-json", which validates the answer
	// against the route's schema; the request asks for the same schema.
	routeSchema
	// ownSchema asks route "demo" for structured output under the
	// request's own JSON schema (response_format / output_config).
	ownSchema
	// withTools offers tools on route "demo"; the answer is a tool call
	// whose arguments must fit the tool's schema.
	withTools
	// rejectedByProvider is a request the provider refuses with a 400
	// (the mock's X-Mock-Fault: bad_request), which lifeline must return
	// as it came, without retry or fallback.
	rejectedByProvider
)

// spec is one synthetic agent request.
type spec struct {
	openai bool // OpenAI dialect; else Anthropic
	stream bool
	shape  shape
	task   uint64 // numbers the request's prompt
}

// drawSpec draws the next request of the workload's mix: half of each
// dialect, a third streaming, a third asking for JSON schema output, a
// fifth offering tools, and a few the provider rejects.
func drawSpec(r *rand.Rand, task uint64) spec {
	s := spec{openai: r.IntN(2) == 0, stream: r.IntN(3) == 0, task: task}
	switch u := r.Float64(); {
	case u < 0.03:
		s.shape = rejectedByProvider
	case u < 0.20:
		s.shape = routeSchema
	case u < 0.36:
		s.shape = ownSchema
	case u < 0.56:
		s.shape = withTools
	default:
		s.shape = plainText
	}
	return s
}

// route returns the route the request names as its model.
func (s spec) route() string {
	if s.shape == routeSchema {
		return "demo-json"
	}
	return "demo"
}

// path returns the gateway path of the request's dialect.
func (s spec) path() string {
	if s.openai {
		return "/v1/chat/completions"
	}
	return "/v1/messages"
}

// answerSchema is the schema route demo-json validates (demo.yaml), made
// strict as OpenAI's structured outputs require.
const answerSchema = `{"type":"object","required":["answer","confidence"],"additionalProperties":false,
	"properties":{"answer":{"type":"string"},"confidence":{"type":"number"}}}`

// planSchema is the request-side schema of ownSchema requests.
const planSchema = `{"type":"object","required":["steps","done"],"additionalProperties":false,
	"properties":{"steps":{"type":"array","minItems":1,"items":{"type":"string"}},"done":{"type":"boolean"}}}`

// The tools an agent offers: name, description and parameters schema.
const (
	weatherTool = "get_weather"
	weatherDesc = "Current weather for a city."
	weatherArgs = `{"type":"object","required":["city"],"additionalProperties":false,
		"properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}}}`
	searchTool = "search_docs"
	searchDesc = "Search the team's documents."
	searchArgs = `{"type":"object","required":["query","limit"],"additionalProperties":false,
		"properties":{"query":{"type":"string"},"limit":{"type":"integer","minimum":1,"maximum":10}}}`
)

// body returns the request body in the spec's dialect.
func (s spec) body() []byte {
	prompt := fmt.Sprintf("Task %d: summarise the open incidents and propose the next step.", s.task)
	m := map[string]any{"model": s.route()}
	if s.stream {
		m["stream"] = true
	}
	if s.openai {
		m["messages"] = []map[string]any{
			{"role": "system", "content": "You are a careful operations agent."},
			{"role": "user", "content": prompt},
		}
		if s.stream {
			m["stream_options"] = map[string]any{"include_usage": true}
		}
	} else {
		m["max_tokens"] = 512
		m["system"] = "You are a careful operations agent."
		m["messages"] = []map[string]any{{"role": "user", "content": prompt}}
	}
	var schema json.RawMessage
	switch s.shape {
	case routeSchema:
		schema = json.RawMessage(answerSchema)
	case ownSchema:
		schema = json.RawMessage(planSchema)
	case withTools:
		m["tools"] = toolsFor(s.openai)
	}
	if schema != nil {
		if s.openai {
			m["response_format"] = map[string]any{"type": "json_schema",
				"json_schema": map[string]any{"name": "result", "strict": true, "schema": schema}}
		} else {
			m["output_config"] = map[string]any{"format": map[string]any{"type": "json_schema", "schema": schema}}
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // the maps above always marshal
	}
	return b
}

func toolsFor(openai bool) []map[string]any {
	var out []map[string]any
	for _, t := range [][3]string{{weatherTool, weatherDesc, weatherArgs}, {searchTool, searchDesc, searchArgs}} {
		name, desc, params := t[0], t[1], json.RawMessage(t[2])
		if openai {
			out = append(out, map[string]any{"type": "function", "function": map[string]any{
				"name": name, "description": desc, "parameters": params}})
		} else {
			out = append(out, map[string]any{"name": name, "description": desc, "input_schema": params})
		}
	}
	return out
}

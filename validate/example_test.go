package validate_test

import (
	"fmt"

	"github.com/lifelinehq/lifeline/validate"
	"github.com/lifelinehq/lifeline/wire"
)

// A request that asks for structured output is validated against its own
// schema: the answer below parses as JSON but misses a required member.
func Example() {
	v, err := validate.New(validate.Spec{NonEmpty: true}, validate.NewCache(128))
	if err != nil {
		panic(err)
	}
	request := []byte(`{
	  "model": "gpt-4o",
	  "messages": [{"role": "user", "content": "Weather in Paris?"}],
	  "response_format": {"type": "json_schema", "json_schema": {"name": "weather", "strict": true,
	    "schema": {"type": "object", "properties": {"city": {"type": "string"}, "celsius": {"type": "number"}},
	               "required": ["city", "celsius"], "additionalProperties": false}}}
	}`)
	plan, err := v.Plan(wire.OpenAI, request)
	if err != nil {
		panic(err) // the gateway answers 400
	}
	fmt.Println("structured:", plan.Structured())

	answer := wire.Output{Text: "```json\n{\"city\": \"Paris\"}\n```", FinishReason: "stop"}
	if f := plan.Check(&answer); f != nil {
		fmt.Println(f)
	}
	// Output:
	// structured: true
	// schema: text does not match response_format schema "weather": at (root): missing property 'celsius'
}

package classify_test

import (
	"fmt"

	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/wire"
)

func Example() {
	anthropic := classify.New(wire.Anthropic, nil)
	r := anthropic.Classify(classify.Signal{
		Status: 529,
		Body:   []byte(`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}`),
	})
	fmt.Println(r.Class, r.Error.Type)

	// A 429 that is not a rate limit: waiting cannot restore the quota.
	openai := classify.New(wire.OpenAI, nil)
	r = openai.Classify(classify.Signal{
		Status: 429,
		Body:   []byte(`{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`),
	})
	fmt.Println(r.Class, r.Error.Code)
	// Output:
	// overloaded overloaded_error
	// exhausted insufficient_quota
}

package jsonscan_test

import (
	"fmt"

	"github.com/lifelinehq/lifeline/internal/jsonscan"
)

func ExampleMember() {
	body := []byte(`{"model": "gpt-4o", "stream_options": {"include_usage": true}}`)
	fmt.Printf("%s\n", jsonscan.Member(body, "model"))
	fmt.Printf("%s\n", jsonscan.Member(jsonscan.Member(body, "stream_options"), "include_usage"))
	fmt.Println(jsonscan.Member(body, "tools") == nil)
	// Output:
	// "gpt-4o"
	// true
	// true
}

func ExampleElements() {
	chunk := []byte(`{"choices":[{"delta":{"content":"Hi"}},{"delta":{"content":""}}]}`)
	jsonscan.Elements(jsonscan.Member(chunk, "choices"), func(ch []byte) bool {
		content := jsonscan.Member(jsonscan.Member(ch, "delta"), "content")
		fmt.Printf("%s non-empty: %v\n", content, jsonscan.NonEmpty(content))
		return true
	})
	// Output:
	// "Hi" non-empty: true
	// "" non-empty: false
}

func ExampleAppendString() {
	b := []byte(`{"message":`)
	b = jsonscan.AppendString(b, "say \"hi\"\n<b>\u2028", jsonscan.LineTerminators)
	b = append(b, '}')
	fmt.Printf("%s\n", b)
	// Output:
	// {"message":"say \"hi\"\n<b>\u2028"}
}

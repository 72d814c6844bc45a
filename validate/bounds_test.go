package validate

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// openAISchemaRequest is an OpenAI request whose response_format carries
// schema.
func openAISchemaRequest(schema string) string {
	return `{"model":"m","messages":[{"role":"user","content":"hi"}],` +
		`"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":` + schema + `}}}`
}

// A client's schema whose patterns would compile to a huge program (a few
// KiB of text, tens of MiB of compiled regexp, held in the cache) is
// refused before anything is compiled.
func TestPlanRefusesPatternsTooLargeToCompile(t *testing.T) {
	v, err := New(Spec{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, schema := range map[string]string{
		"pattern":           `{"type":"string","pattern":"` + strings.Repeat("[a-z]{1,1000}", 100) + `"}`,
		"patternProperties": `{"type":"object","patternProperties":{"` + strings.Repeat("[a-z]{1,1000}", 100) + `":{}}}`,
		"many patterns":     manyPatterns(200, `[a-z]{1,1000}-%d`),
	} {
		_, err := v.Plan(wire.OpenAI, []byte(openAISchemaRequest(schema)))
		var se *SchemaError
		if !errors.As(err, &se) || !strings.Contains(se.Reason, "pattern") {
			t.Errorf("%s: Plan error = %v, want a SchemaError about its patterns' size", name, err)
		}
	}
	// Ordinary patterns, even many of them, are fine.
	if _, err := v.Plan(wire.OpenAI, []byte(openAISchemaRequest(manyPatterns(500, `^[A-Z]{2}-[0-9]{4,8}-%d$`)))); err != nil {
		t.Errorf("ordinary patterns refused: %v", err)
	}
}

// manyPatterns is a schema of n string properties, property i matching
// the pattern format with i.
func manyPatterns(n int, format string) string {
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"p%d":{"type":"string","pattern":%q}`, i, fmt.Sprintf(format, i))
	}
	b.WriteString(`}}`)
	return b.String()
}

// A client's schema of more objects than any provider accepts is refused
// before it is compiled: the compiler's time grows with the square of
// their number (100,000 chained $refs, 4 MB of text, take minutes).
func TestPlanRefusesSchemasWithTooManyObjects(t *testing.T) {
	v, err := New(Spec{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(`{"$defs":{`)
	const n = maxSchemaObjects + 1
	for i := range n {
		fmt.Fprintf(&b, `"d%d":{"$ref":"#/$defs/d%d"},`, i, i+1)
	}
	fmt.Fprintf(&b, `"d%d":{"type":"string"}},"$ref":"#/$defs/d0"}`, n)
	_, err = v.Plan(wire.OpenAI, []byte(openAISchemaRequest(b.String())))
	var se *SchemaError
	if !errors.As(err, &se) || !strings.Contains(se.Reason, "objects") {
		t.Errorf("Plan error = %v, want a SchemaError about its number of objects", err)
	}
	// A large but ordinary schema is fine.
	if _, err := v.Plan(wire.OpenAI, []byte(openAISchemaRequest(manyPatterns(2000, `^a%d$`)))); err != nil {
		t.Errorf("a schema of 2000 properties refused: %v", err)
	}
}

// The cache holds compiled schemas up to a bound on their memory, not only
// on their number: a few large schemas evict older ones.
func TestCacheIsBoundedInMemory(t *testing.T) {
	c := NewCache(1024)
	big := func(i int) []byte {
		var b strings.Builder
		fmt.Fprintf(&b, `{"$comment":"%d","enum":[`, i)
		for j := range 100_000 {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"value-%07d"`, j)
		}
		b.WriteString(`]}`)
		return []byte(b.String())
	}
	const n = 12 // 12 × 1.5 MB of text: more than the cache's bound
	for i := range n {
		if _, err := c.schema(big(i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.Len(); got >= n {
		t.Errorf("cache holds %d large schemas, want fewer: its memory is bounded", got)
	}
	if w := c.weight; w > maxCacheWeight {
		t.Errorf("cache weight %d, want at most %d", w, maxCacheWeight)
	}
}

// A request's schemas together are bounded too: each of many tools is
// compiled on its own, and 200,000 small ones (27 MB) took seconds and a
// GiB of memory.
func TestPlanRefusesRequestsWhoseSchemasAreTooLargeInAll(t *testing.T) {
	v, err := New(Spec{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tools := func(n int) []byte {
		var b strings.Builder
		b.WriteString(`{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"type":"function","function":{"name":"f%d","parameters":{"type":"object","properties":{"a%d":{"type":"string"}}}}}`, i, i)
		}
		b.WriteString(`]}`)
		return []byte(b.String())
	}
	const objects = 3 // per tool
	_, err = v.Plan(wire.OpenAI, tools(maxRequestSchemaObjects/objects+1))
	var se *SchemaError
	if !errors.As(err, &se) || !strings.Contains(se.Reason, "in all") {
		t.Errorf("Plan error = %v, want a SchemaError about the request's schemas in all", err)
	}
	if _, err := v.Plan(wire.OpenAI, tools(1000)); err != nil {
		t.Errorf("1000 tools refused: %v", err)
	}
}

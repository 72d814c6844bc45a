package validate

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/wire"
)

// orderSchema is a typical structured-output schema: nested objects,
// arrays, enums, integers, required members, no additional properties.
const orderSchema = `{
  "type": "object",
  "properties": {
    "order_id": {"type": "string", "pattern": "^ord_[a-z0-9]+$"},
    "status": {"enum": ["pending", "shipped", "delivered"]},
    "customer": {
      "type": "object",
      "properties": {
        "name": {"type": "string", "minLength": 1},
        "email": {"type": "string"},
        "vip": {"type": "boolean"}
      },
      "required": ["name", "email", "vip"],
      "additionalProperties": false
    },
    "items": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "sku": {"type": "string"},
          "title": {"type": "string"},
          "quantity": {"type": "integer", "minimum": 1},
          "unit_price": {"type": "number", "minimum": 0},
          "tags": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["sku", "title", "quantity", "unit_price", "tags"],
        "additionalProperties": false
      }
    },
    "notes": {"type": ["string", "null"]}
  },
  "required": ["order_id", "status", "customer", "items", "notes"],
  "additionalProperties": false
}`

// orderAnswer returns a JSON answer matching orderSchema of about size bytes.
func orderAnswer(size int) string {
	var items []string
	for i := 0; ; i++ {
		items = append(items, fmt.Sprintf(`{"sku":"SKU-%04d","title":"Stainless steel widget, model %d","quantity":%d,"unit_price":%d.99,"tags":["hardware","steel","sale"]}`, i, i, i%5+1, 10+i))
		s := `{"order_id":"ord_8f3k2j","status":"shipped","customer":{"name":"Ada Lovelace","email":"ada@example.com","vip":true},"items":[` +
			strings.Join(items, ",") + `],"notes":"Leave the parcel at the door."}`
		if len(s) >= size {
			return s
		}
	}
}

func BenchmarkCheckSchema2KB(b *testing.B) {
	benchCheck2KB(b, Spec{Schema: []byte(orderSchema)})
}

// BenchmarkCheckJSON2KB is the json check alone.
func BenchmarkCheckJSON2KB(b *testing.B) {
	benchCheck2KB(b, Spec{JSON: true})
}

// benchCheck2KB checks a valid 2 KB answer against the plan of spec.
func benchCheck2KB(b *testing.B, spec Spec) {
	v, err := New(spec, NewCache(8))
	if err != nil {
		b.Fatal(err)
	}
	plan, err := v.Plan(wire.OpenAI, []byte(`{"model":"m","messages":[]}`))
	if err != nil {
		b.Fatal(err)
	}
	out := &wire.Output{Text: orderAnswer(2048), FinishReason: "stop"}
	b.SetBytes(int64(len(out.Text)))
	b.ReportAllocs()
	for b.Loop() {
		if f := plan.Check(out); f != nil {
			b.Fatal(f)
		}
	}
}

// BenchmarkLibraryValidate2KB is what BenchmarkCheckSchema2KB would cost
// through the schema library alone: decode, then validate.
func BenchmarkLibraryValidate2KB(b *testing.B) {
	c, err := compileSchema([]byte(orderSchema))
	if err != nil {
		b.Fatal(err)
	}
	text := []byte(orderAnswer(2048))
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		doc, err := parseJSON(text)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.lib.Validate(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlan(b *testing.B) {
	v, err := New(Spec{}, NewCache(8))
	if err != nil {
		b.Fatal(err)
	}
	req := openAIRequest(b, orderSchema, 4096)
	if _, err := v.Plan(wire.OpenAI, req); err != nil { // compile once
		b.Fatal(err)
	}
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Plan(wire.OpenAI, req); err != nil {
			b.Fatal(err)
		}
	}
}

// openAIRequest builds a Chat Completions request with the schema as its
// response_format and about history bytes of conversation.
func openAIRequest(tb testing.TB, schema string, history int) []byte {
	tb.Helper()
	var msgs []map[string]string
	for n := 0; n < history; {
		m := map[string]string{"role": "user", "content": strings.Repeat("Tell me about the order status. ", 8)}
		msgs = append(msgs, m)
		n += len(m["content"]) + 30
	}
	req := map[string]any{
		"model":    "gpt-4o",
		"messages": msgs,
		"response_format": map[string]any{
			"type":        "json_schema",
			"json_schema": map[string]any{"name": "order", "strict": true, "schema": json.RawMessage(schema)},
		},
	}
	b, err := json.Marshal(req)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

package classify_test

import (
	"net/http"
	"testing"

	"github.com/lifelinehq/lifeline/classify"
	"github.com/lifelinehq/lifeline/wire"
)

func BenchmarkClassify(b *testing.B) {
	h := http.Header{"Content-Type": {"application/json"}, "X-Should-Retry": {"true"}}
	cases := []struct {
		name string
		d    wire.Dialect
		s    classify.Signal
	}{
		{"ok", wire.Anthropic, classify.Signal{Status: 200, Header: h}},
		{"anthropic_529", wire.Anthropic, classify.Signal{Status: 529, Header: h, Body: []byte(antOverloaded)}},
		{"anthropic_400_too_long", wire.Anthropic, classify.Signal{Status: 400, Header: h, Body: []byte(antTooLong)}},
		{"openai_429_quota", wire.OpenAI, classify.Signal{Status: 429, Header: h, Body: []byte(oaiQuota)}},
		{"openai_stream_error", wire.OpenAI, classify.Signal{Status: 200, InStream: true, Body: []byte(oaiServerError)}},
		{"cloudflare_413", wire.Anthropic, classify.Signal{Status: 413, Body: []byte(cloudflare413)}},
	}
	for _, bc := range cases {
		c := classify.New(bc.d, nil)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Classify(bc.s)
			}
		})
	}
}

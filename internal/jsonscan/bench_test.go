package jsonscan

import (
	"strings"
	"testing"
)

// An OpenAI stream chunk: short names, short strings.
var benchChunk = []byte(`{"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_eb9dce56a8","choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}],"usage":null}`)

// A request body whose bulk is a long message.
var benchLong = []byte(`{"model":"gpt-4o","messages":[{"role":"system","content":"` +
	strings.Repeat(`You are a careful assistant. Answer in \"JSON\" only.\n`, 40) +
	`"},{"role":"user","content":"hi"}],"stream":true}`)

// benchTexts runs read over each benchmark text as a sub-benchmark.
func benchTexts(b *testing.B, read func([]byte)) {
	for _, bb := range []struct {
		name string
		in   []byte
	}{{"chunk", benchChunk}, {"long", benchLong}} {
		b.Run(bb.name, func(b *testing.B) {
			b.SetBytes(int64(len(bb.in)))
			b.ReportAllocs()
			for b.Loop() {
				read(bb.in)
			}
		})
	}
}

func BenchmarkSkipValue(b *testing.B) {
	benchTexts(b, func(in []byte) { SkipValue(in, 0) })
}

func BenchmarkValid(b *testing.B) {
	benchTexts(b, func(in []byte) { Valid(in) })
}

func BenchmarkMember(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Member(benchLong, "stream")
	}
}

// BenchmarkChunk reads a stream chunk as wire.EventKind does.
func BenchmarkChunk(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		Elements(Member(benchChunk, "choices"), func(ch []byte) bool {
			if NonEmpty(Member(Member(ch, "delta"), "content")) {
				n++
			}
			return true
		})
		if n != 1 {
			b.Fatal(n)
		}
	}
}

func BenchmarkAppendString(b *testing.B) {
	for _, bb := range []struct{ name, s string }{
		{"ascii", strings.Repeat("The quick brown fox jumps over the lazy dog. ", 20)},
		{"escapes", strings.Repeat("line \"one\"\n\tline two\\ ", 20)},
		{"unicode", strings.Repeat("Grüße, 世界 🙂 — naïve café. ", 20)},
	} {
		b.Run(bb.name, func(b *testing.B) {
			dst := make([]byte, 0, 4*len(bb.s))
			b.SetBytes(int64(len(bb.s)))
			b.ReportAllocs()
			for b.Loop() {
				dst = AppendString(dst[:0], bb.s, LineTerminators)
			}
		})
	}
}

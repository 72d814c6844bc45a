package main

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/lifelinehq/lifeline/bench/upstream"
)

// BenchmarkPaths sends one non-streaming request at a time through each
// path, everything in this process: allocs/op and B/op count the client,
// the upstream and the path together, so the difference between two paths
// is what the path adds. The gateway runs at log.level info, as in the
// benchmark (one line per request, to io.Discard), and again at warn
// ("lifeline-warn": no line per request).
//
//	go test -run '^$' -bench Paths -benchmem ./bench
func BenchmarkPaths(b *testing.B) {
	systems := inProcessLog(b, upstream.Options{}, "info")
	quiet := inProcessLog(b, upstream.Options{}, "warn")[2]
	quiet.name = "lifeline-warn"
	systems = append(systems, quiet)
	for _, sys := range systems {
		b.Run(sys.name, func(b *testing.B) {
			c := newClient(0)
			defer c.CloseIdleConnections()
			url := sys.url + completionsPath
			want := len(upstream.OpenAIBody())
			b.ReportAllocs()
			for b.Loop() {
				resp, err := c.Post(url, "application/json", bytes.NewReader(requestBody))
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || int(n) != want {
					b.Fatalf("HTTP %d, %d bytes", resp.StatusCode, n)
				}
			}
		})
	}
}

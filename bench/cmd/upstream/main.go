// Command upstream runs the benchmark's loopback model API: fixed OpenAI
// and Anthropic answers and SSE streams.
//
//	go run ./bench/cmd/upstream -listen 127.0.0.1:9001 -events 20 -gap 5ms
package main

import (
	"flag"
	"runtime/debug"

	"github.com/lifelinehq/lifeline/bench/internal/serve"
	"github.com/lifelinehq/lifeline/bench/upstream"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "listen address")
	events := flag.Int("events", 20, "events per streamed answer")
	gap := flag.Duration("gap", 0, "time between two events of a stream")
	gogc := flag.Int("gogc", 100, "garbage collection target percentage (GOGC)")
	flag.Parse()
	debug.SetGCPercent(*gogc)
	serve.Main("upstream", *listen, upstream.New(upstream.Options{Events: *events, Gap: *gap}))
}

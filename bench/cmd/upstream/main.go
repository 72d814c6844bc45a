// Command upstream runs the benchmark's loopback model API: fixed OpenAI
// and Anthropic answers and SSE streams.
//
//	go run ./bench/cmd/upstream -listen 127.0.0.1:9001 -events 20 -gap 5ms
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/lifelinehq/lifeline/bench/upstream"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "listen address")
	events := flag.Int("events", 20, "events per streamed answer")
	gap := flag.Duration("gap", 0, "time between two events of a stream")
	gogc := flag.Int("gogc", 100, "garbage collection target percentage (GOGC)")
	flag.Parse()
	debug.SetGCPercent(*gogc)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "upstream:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: upstream.New(upstream.Options{Events: *events, Gap: *gap}), ReadHeaderTimeout: 10 * time.Second}
	fmt.Println("listening http://" + ln.Addr().String())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "upstream:", err)
		os.Exit(1)
	}
}

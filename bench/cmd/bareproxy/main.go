// Command bareproxy runs the benchmark's baseline: a bare
// httputil.ReverseProxy in front of one upstream.
//
//	go run ./bench/cmd/bareproxy -listen 127.0.0.1:9002 -upstream http://127.0.0.1:9001
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/lifelinehq/lifeline/bench/bareproxy"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "listen address")
	up := flag.String("upstream", "", "upstream base URL, e.g. http://127.0.0.1:9001")
	flag.Parse()
	u, err := url.Parse(*up)
	if err != nil || u.Scheme == "" || u.Host == "" {
		fmt.Fprintln(os.Stderr, "bareproxy: -upstream must be an absolute URL")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bareproxy:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: bareproxy.New(u), ReadHeaderTimeout: 10 * time.Second}
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
		fmt.Fprintln(os.Stderr, "bareproxy:", err)
		os.Exit(1)
	}
}

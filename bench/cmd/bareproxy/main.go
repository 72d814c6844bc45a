// Command bareproxy runs the benchmark's baseline: a bare
// httputil.ReverseProxy in front of one upstream.
//
//	go run ./bench/cmd/bareproxy -listen 127.0.0.1:9002 -upstream http://127.0.0.1:9001
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"

	"github.com/lifelinehq/lifeline/bench/bareproxy"
	"github.com/lifelinehq/lifeline/bench/internal/serve"
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
	serve.Main("bareproxy", *listen, bareproxy.New(u))
}

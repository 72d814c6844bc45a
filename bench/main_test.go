package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/lifelinehq/lifeline/bench/internal/serve"
	"github.com/lifelinehq/lifeline/bench/upstream"
)

// childEnv makes the test binary run as the benchmark's upstream instead
// of running tests, so the process harness can be tried on a real child.
const childEnv = "LIFELINE_BENCH_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "upstream" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		serve.Announce(os.Stdout, ln)
		// Ends with the SIGTERM the harness sends.
		http.Serve(ln, upstream.New(upstream.Options{}))
		return
	}
	goleak.VerifyTestMain(m)
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// workspace is where the runner writes: the module's root and the output
// directory.
type workspace struct {
	root string
	out  string // -out, or bench/out in the module; it exists
}

// newWorkspace finds the module and makes the output directory.
func newWorkspace(f flags) (workspace, error) {
	root, err := moduleRoot()
	if err != nil {
		return workspace{}, err
	}
	out := f.out
	if out == "" {
		out = filepath.Join(root, "bench", "out")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return workspace{}, err
	}
	return workspace{root: root, out: out}, nil
}

// results is the directory kept with the sources that -docs copies the
// outputs to: bench/results in the module.
func (ws workspace) results() string { return filepath.Join(ws.root, "bench", "results") }

// session is a measuring run's set-up: its workspace, a temporary
// directory removed by close, and the binaries built into it.
type session struct {
	workspace
	tmp  string
	bins binaries
}

// openSession makes the workspace and builds the binaries (-lifeline, when
// set, replaces the gateway's); announce, unless empty, is printed to
// stdout before the build.
func openSession(ctx context.Context, f flags, stdout io.Writer, announce string) (*session, error) {
	ws, err := newWorkspace(f)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "lifeline-bench-")
	if err != nil {
		return nil, err
	}
	s := &session{workspace: ws, tmp: tmp}
	if announce != "" {
		fmt.Fprintln(stdout, announce)
	}
	if s.bins, err = build(ctx, ws.root, tmp); err != nil {
		s.close()
		return nil, err
	}
	if f.lifeline != "" {
		s.bins.lifeline = f.lifeline
	}
	return s, nil
}

// close removes the temporary directory.
func (s *session) close() { os.RemoveAll(s.tmp) }

// startServer starts the benchmark server at bin, which announces its
// address, on a free loopback port with args, its log in name.log in the
// output directory.
func (s *session) startServer(name, bin string, args ...string) (*child, error) {
	argv := append([]string{bin, "-listen", "127.0.0.1:0"}, args...)
	return startChild(name, argv, filepath.Join(s.out, name+".log"), "", "")
}

// startGateway starts the built lifeline on a free loopback address with
// the configuration config(address), written to cfgFile in the output
// directory, and returns once it is ready. Its log goes to /dev/null.
func (s *session) startGateway(name, cfgFile string, config func(listen string) string) (*child, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(s.out, cfgFile)
	if err := os.WriteFile(cfgPath, []byte(config(addr)), 0o644); err != nil {
		return nil, err
	}
	gw, err := startChild(name, []string{s.bins.lifeline, "serve", "--config", cfgPath}, os.DevNull,
		"http://"+addr, "/readyz")
	if err != nil {
		return nil, fmt.Errorf("%w (check the config with: go run ./cmd/lifeline check --config %s)", err, cfgPath)
	}
	return gw, nil
}

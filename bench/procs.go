package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/lifelinehq/lifeline/bench/internal/serve"
)

// binaries are the programs the runner starts, each in its own process so
// that its CPU time and peak RSS are its own.
type binaries struct {
	lifeline, bareproxy, upstream string
}

// build compiles cmd/lifeline and the two benchmark servers into dir.
func build(ctx context.Context, root, dir string) (binaries, error) {
	b := binaries{
		lifeline:  filepath.Join(dir, "lifeline"),
		bareproxy: filepath.Join(dir, "bareproxy"),
		upstream:  filepath.Join(dir, "upstream"),
	}
	for pkg, out := range map[string]string{
		"./cmd/lifeline":        b.lifeline,
		"./bench/cmd/bareproxy": b.bareproxy,
		"./bench/cmd/upstream":  b.upstream,
	} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir = root
		if msg, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
		}
	}
	return b, nil
}

// child is a server process the runner started.
type child struct {
	name string
	url  string // base URL, http://host:port
	cmd  *exec.Cmd
	done chan error
}

// Pid is the process id measured for CPU and RSS.
func (c *child) Pid() int { return c.cmd.Process.Pid }

// startChild runs argv with its stderr in logPath. When url is empty the
// program announces its address on stdout ("listening http://…");
// otherwise readyPath is polled under url until it answers 200.
func startChild(name string, argv []string, logPath, url, readyPath string) (*child, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = logf
	cmd.Env = os.Environ()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	c := &child{name: name, url: url, cmd: cmd, done: make(chan error, 1)}
	announced := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), serve.Prefix); ok {
				select {
				case announced <- u:
				default:
				}
			}
		}
		c.done <- cmd.Wait()
	}()
	deadline := time.NewTimer(15 * time.Second)
	defer deadline.Stop()
	if url == "" {
		select {
		case c.url = <-announced:
			return c, nil
		case err := <-c.done:
			c.done <- err
			return nil, fmt.Errorf("%s exited before listening (%v); see %s", name, err, logPath)
		case <-deadline.C:
			c.stop()
			return nil, fmt.Errorf("%s did not announce its address; see %s", name, logPath)
		}
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	hc := &http.Client{Timeout: time.Second}
	defer hc.CloseIdleConnections()
	for {
		select {
		case err := <-c.done:
			c.done <- err
			return nil, fmt.Errorf("%s exited before it was ready (%v); see %s", name, err, logPath)
		case <-deadline.C:
			c.stop()
			return nil, fmt.Errorf("%s was not ready at %s%s; see %s", name, url, readyPath, logPath)
		case <-tick.C:
			resp, err := hc.Get(url + readyPath)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return c, nil
				}
			}
		}
	}
}

// stop ends the process: SIGTERM, then SIGKILL after five seconds.
func (c *child) stop() error {
	c.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case err := <-c.done:
		var ee *exec.ExitError
		if errors.As(err, &ee) && !ee.Exited() {
			return nil // ended by the signal
		}
		return err
	case <-t.C:
		c.cmd.Process.Kill()
		return fmt.Errorf("%s did not stop on SIGTERM; killed", c.name)
	}
}

// freeAddr returns a loopback address with a port free at the time of the
// call, for programs that take their address from a config file.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// moduleRoot finds the directory of the lifeline module.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run the benchmark from inside the lifeline module")
	}
	return filepath.Dir(mod), nil
}

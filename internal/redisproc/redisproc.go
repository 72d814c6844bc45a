// Package redisproc starts redis-server processes for lifeline's tests and
// benchmark runner: on a loopback port (never 6379, which a developer's own
// server may hold), persistence off, in a directory of the caller's, and
// ready when Start returns.
package redisproc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// StartBound bounds the wait for a new server's PONG.
const StartBound = 10 * time.Second

// Process is a running redis-server.
type Process struct {
	Cmd  *exec.Cmd
	Port int
	// Exited is closed when the process has exited; WaitErr is then what
	// its Wait returned.
	Exited  <-chan struct{}
	WaitErr error
}

// Addr returns the server's host:port.
func (p *Process) Addr() string { return Addr(p.Port) }

// Addr returns the loopback host:port of port.
func Addr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// StartFree starts the redis-server at bin on a free port, trying another
// when the one found free is taken before the server binds it.
func StartFree(bin, dir, logPath string) (*Process, error) {
	var last error
	for range 5 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		p, err := Start(bin, dir, logPath, port)
		if err == nil {
			return p, nil
		}
		last = err
	}
	return nil, fmt.Errorf("starting redis-server: %w", last)
}

// Start runs the redis-server at bin on port, in dir, logging to logPath,
// with the further arguments extra (such as cluster options), and returns
// once it answers PING as the process just started. When it does not
// within StartBound, it is killed and the error carries the last lines of
// its log.
func Start(bin, dir, logPath string, port int, extra ...string) (*Process, error) {
	cmd := exec.Command(bin, append([]string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--dir", dir,
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--logfile", logPath,
	}, extra...)...)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	p := &Process{Cmd: cmd, Port: port, Exited: exited}
	go func() {
		p.WaitErr = cmd.Wait()
		close(exited)
	}()
	if err := waitPing(p.Addr(), cmd.Process.Pid, exited); err != nil {
		_ = cmd.Process.Kill()
		<-exited
		log, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("%w\n%s", err, tail(string(log), 10))
	}
	return p, nil
}

// waitPing polls addr with PING until it answers +PONG and its process id,
// the process exits, or StartBound passes. The server that answers must be
// process pid: when the port was taken meanwhile, another server answers
// there.
func waitPing(addr string, pid int, exited <-chan struct{}) error {
	deadline := time.Now().Add(StartBound)
	for {
		err := Ping(addr)
		if err == nil {
			// A server that answered PING may still miss the next one-second
			// exchange on a loaded machine: that is polled again, like a
			// missed PING.
			var got int
			if got, err = serverPID(addr); err == nil {
				if got != pid {
					return fmt.Errorf("port of %s is held by another redis-server (pid %d)", addr, got)
				}
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("redis-server exited during start-up")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer PING and its process id within %v: %w", addr, StartBound, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Ping sends one PING to addr in the inline protocol and reports an error
// unless the answer is +PONG within a second.
func Ping(addr string) error {
	line, _, err := command(addr, "PING")
	if err != nil {
		return err
	}
	if line != "+PONG" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// serverPID asks the server at addr for its process id (INFO server).
func serverPID(addr string) (int, error) {
	_, body, err := command(addr, "INFO server")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(body, "\r\n") {
		if v, ok := strings.CutPrefix(line, "process_id:"); ok {
			return strconv.Atoi(v)
		}
	}
	return 0, errors.New("INFO server has no process_id")
}

// command sends one inline command and returns the reply's first line and,
// for a bulk reply, its body. It gives up after a second.
func command(addr, cmd string) (line, body string, err error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		return "", "", err
	}
	r := bufio.NewReader(c)
	if line, err = r.ReadString('\n'); err != nil {
		return "", "", err
	}
	line = strings.TrimSpace(line)
	if n, ok := strings.CutPrefix(line, "$"); ok {
		size, err := strconv.Atoi(n)
		if err != nil || size < 0 {
			return line, "", fmt.Errorf("bad bulk reply %q", line)
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return line, "", err
		}
		body = string(buf[:size])
	}
	return line, body, nil
}

// freePort returns a loopback TCP port that was free a moment ago, never
// 6379.
func freePort() (int, error) {
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port != 6379 {
			return port, nil
		}
	}
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// redisServer is a redis-server process the runner started for the
// state-store comparison: loopback only, persistence off, its own
// directory, ended with the run.
type redisServer struct {
	*child
	addr    string
	version string
	// client is one connection for INFO, opened before any measurement.
	// It speaks RESP2 and skips CLIENT SETINFO, so the only commands of
	// its own in the server's statistics are its INFO calls.
	client *goredis.Client
}

// redisStartBound bounds the wait for a new server's PONG.
const redisStartBound = 10 * time.Second

// startRedis runs the redis-server at bin on a free loopback port (never
// 6379, which a developer's own server may hold), with dir as its working
// directory and its log in logPath, and returns once it answers.
func startRedis(ctx context.Context, bin, dir, logPath string) (*redisServer, error) {
	var last error
	// A port found free may be taken before the server binds it: try again
	// with another one.
	for range 5 {
		port, err := freeRedisPort()
		if err != nil {
			return nil, err
		}
		rs, err := startRedisOn(ctx, bin, dir, logPath, port)
		if err == nil {
			return rs, nil
		}
		last = err
	}
	return nil, fmt.Errorf("starting redis-server: %w", last)
}

// startRedisOn runs redis-server on port and waits until it answers PING
// and says it is the process just started.
func startRedisOn(ctx context.Context, bin, dir, logPath string, port int) (*redisServer, error) {
	cmd := exec.Command(bin,
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--dir", dir,
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--logfile", logPath,
	)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	c := &child{name: "redis-server", url: "redis://" + addr + "/0", cmd: cmd, done: make(chan error, 1)}
	go func() { c.done <- cmd.Wait() }()
	rs := &redisServer{child: c, addr: addr, client: goredis.NewClient(&goredis.Options{
		Addr: addr, Protocol: 2, DisableIdentity: true, PoolSize: 1, MaxRetries: -1,
		DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: time.Second,
	})}
	if err := rs.await(ctx); err != nil {
		rs.stop()
		log, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("%w\n%s", err, lastLines(string(log), 10))
	}
	return rs, nil
}

// await polls the server until it answers PING as the process started,
// and reads its version.
func (rs *redisServer) await(ctx context.Context) error {
	deadline := time.Now().Add(redisStartBound)
	for {
		select {
		case err := <-rs.done:
			rs.done <- err
			return fmt.Errorf("redis-server exited during start-up (%v)", err)
		default:
		}
		if err := rs.client.Ping(ctx).Err(); err == nil {
			info, err := rs.client.Info(ctx, "server").Result()
			if err != nil {
				return err
			}
			fields := infoFields(info)
			if pid, _ := strconv.Atoi(fields["process_id"]); pid != rs.Pid() {
				return fmt.Errorf("port of %s is held by another redis-server (pid %d)", rs.addr, pid)
			}
			rs.version = fields["redis_version"]
			return nil
		} else if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("no PONG from %s within %v: %w", rs.addr, redisStartBound, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends the server and closes the INFO connection.
func (rs *redisServer) stop() error {
	rs.client.Close()
	return rs.child.stop()
}

// commandStats reads INFO commandstats: every command the server ran since
// it started, with its calls and the server's time spent in it.
func (rs *redisServer) commandStats(ctx context.Context) (map[string]cmdStat, error) {
	info, err := rs.client.Info(ctx, "commandstats").Result()
	if err != nil {
		return nil, err
	}
	return parseCommandStats(info), nil
}

// pid is the server's process, whose CPU time is measured.
func (rs *redisServer) pid() int { return rs.Pid() }

// cmdStat is one command's line of INFO commandstats.
type cmdStat struct {
	Calls int64 `json:"calls"`
	Usec  int64 `json:"usec"` // server time spent in the command, microseconds
}

// parseCommandStats reads the cmdstat_ lines of INFO commandstats, e.g.
// "cmdstat_evalsha:calls=12,usec=340,usec_per_call=28.33,rejected_calls=0,failed_calls=0",
// into a map from command name (lower case, "client|setinfo" for a
// subcommand) to its figures.
func parseCommandStats(info string) map[string]cmdStat {
	out := map[string]cmdStat{}
	for k, v := range infoFields(info) {
		name, ok := strings.CutPrefix(k, "cmdstat_")
		if !ok {
			continue
		}
		var s cmdStat
		for kv := range strings.SplitSeq(v, ",") {
			key, val, _ := strings.Cut(kv, "=")
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				continue
			}
			switch key {
			case "calls":
				s.Calls = n
			case "usec":
				s.Usec = n
			}
		}
		out[name] = s
	}
	return out
}

// infoFields reads the "key:value" lines of an INFO reply.
func infoFields(info string) map[string]string {
	out := map[string]string{}
	for line := range strings.Lines(info) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			out[k] = v
		}
	}
	return out
}

// subStats returns b − a, command by command, leaving out commands that
// did not run in between.
func subStats(b, a map[string]cmdStat) map[string]cmdStat {
	out := map[string]cmdStat{}
	for k, v := range b {
		d := cmdStat{Calls: v.Calls - a[k].Calls, Usec: v.Usec - a[k].Usec}
		if d.Calls > 0 {
			out[k] = d
		}
	}
	return out
}

// freeRedisPort returns a loopback TCP port that was free a moment ago,
// never 6379.
func freeRedisPort() (int, error) {
	for {
		addr, err := freeAddr()
		if err != nil {
			return 0, err
		}
		_, p, _ := net.SplitHostPort(addr)
		port, err := strconv.Atoi(p)
		if err != nil {
			return 0, errors.New("free port: " + addr)
		}
		if port != 6379 {
			return port, nil
		}
	}
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

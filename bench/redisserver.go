package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lifelinehq/lifeline/internal/redisproc"
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

// startRedis runs the redis-server at bin on a free loopback port, with dir
// as its working directory and its log in logPath, and returns once it
// answers, with its version read.
func startRedis(ctx context.Context, bin, dir, logPath string) (*redisServer, error) {
	p, err := redisproc.StartFree(bin, dir, logPath)
	if err != nil {
		return nil, err
	}
	addr := p.Addr()
	c := &child{name: "redis-server", url: "redis://" + addr + "/0", cmd: p.Cmd, done: make(chan error, 1)}
	go func() {
		<-p.Exited
		c.done <- p.WaitErr
	}()
	rs := &redisServer{child: c, addr: addr, client: goredis.NewClient(&goredis.Options{
		Addr: addr, Protocol: 2, DisableIdentity: true, PoolSize: 1, MaxRetries: -1,
		DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: time.Second,
	})}
	info, err := rs.client.Info(ctx, "server").Result()
	if err != nil {
		rs.stop()
		return nil, fmt.Errorf("reading the version of redis-server at %s: %w", addr, err)
	}
	rs.version = infoFields(info)["redis_version"]
	return rs, nil
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

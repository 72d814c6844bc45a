package redis_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/lifelinehq/lifeline/internal/redistest"
	"github.com/lifelinehq/lifeline/internal/syncbuffer"
	"github.com/lifelinehq/lifeline/store/redis"
)

// Shared breakers, cool-downs and budgets hold times each replica writes
// by its own clock: a replica whose clock is off by 30 s opens breakers
// that the others skip for 30 s more or less than the cool-down. Such a
// replica says so when it starts, against the Redis server's clock; one
// whose clock agrees says nothing.
func TestSkewedReplicaClockIsLoggedAtStart(t *testing.T) {
	srv := redistest.Start(t)
	for _, skew := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		var logs syncbuffer.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		open(t, srv, prefix(), redis.WithLogger(log), redis.WithNow(func() time.Time { return time.Now().Add(skew) }))
		out := logs.String()
		warned := strings.Contains(out, "clock differs from the Redis server's")
		if warned != (skew != 0) {
			t.Fatalf("replica clock %v off: logs %q", skew, out)
		}
		if !warned {
			continue
		}
		_, v, _ := strings.Cut(out, "replica_ahead_by=")
		v, _, _ = strings.Cut(v, "\n")
		if d, err := time.ParseDuration(v); err != nil || (d-skew).Abs() > time.Second {
			t.Fatalf("replica clock %v off: the warning says %q: %q", skew, v, out)
		}
	}
}

package fleet_test

import (
	"context"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

// Every test closes its gateways, stores, upstreams, Redis servers and
// idle connections.
func TestMain(m *testing.M) {
	// The Redis client logs every failed dial of an outage to stderr; the
	// stores report outages themselves (the tests check those lines).
	goredis.SetLogger(quiet{})
	goleak.VerifyTestMain(m)
}

// quiet discards the Redis client's log lines.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

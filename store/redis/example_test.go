package redis_test

import (
	"context"
	"log/slog"
	"os"

	"github.com/lifelinehq/lifeline/store/redis"
)

// A gateway replica opens the shared store, logs outages and counts them,
// and reports the store's health on /readyz.
func ExampleNew() {
	ctx := context.Background()
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	var outages int
	s, err := redis.New(ctx, "redis+sentinel://:secret@10.0.0.1:26379,10.0.0.2:26379/lifeline/0",
		redis.WithPrefix("lifeline:prod:"),
		redis.WithLogger(logger),
		redis.WithStateChange(func(degraded bool, err error) {
			if degraded {
				outages++
			}
		}),
	)
	if err != nil {
		logger.Error("state store", "error", err)
		return
	}
	defer s.Close()
	if err := s.Health(ctx); err != nil {
		logger.Warn("readyz: degraded", "error", err)
	}
}

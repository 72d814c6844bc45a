package redis

import (
	"context"
	"time"
)

// MaxClockSkew is how far a replica's clock may be from the Redis server's
// before the store warns at start. Breakers, cool-downs and budgets shared
// through Redis hold times the replicas write, each by its own clock, so
// replica clocks must agree (docs/replicas.md); the server's clock is the
// one they can all be compared with.
const MaxClockSkew = time.Second

// checkClock compares the replica's clock with the server's (TIME) and
// logs a warning when they differ by more than MaxClockSkew, beyond what
// the round trip leaves unknown. It is advice: any error only skips it.
func (s *Store) checkClock(ctx context.Context) {
	before := s.cfg.now()
	server, err := s.c.Time(inBackground(ctx)).Result()
	if err != nil {
		return
	}
	after := s.cfg.now()
	rtt := after.Sub(before)
	skew := before.Add(rtt / 2).Sub(server) // how far the replica is ahead
	if skew.Abs() <= MaxClockSkew+rtt/2 {
		return
	}
	s.cfg.logger.Warn("state store: this replica's clock differs from the Redis server's; breakers, cool-downs and budgets shared with replicas whose clocks agree with Redis will be off by as much (run NTP on every replica)",
		"backend", "redis", "replica_ahead_by", skew.Round(time.Millisecond).String())
}

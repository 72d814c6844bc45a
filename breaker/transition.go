package breaker

import "time"

// toOpen opens the breaker at now for cooldown. The window is cleared: the
// outcomes that tripped it are spent.
func (b *Breaker) toOpen(now time.Time, cooldown time.Duration) {
	b.State = Open
	b.Generation++
	b.Until = now.Add(cooldown)
	b.Cooldown = cooldown
	b.Probes = 0
	b.ProbeSince = time.Time{}
	b.Consecutive = 0
	b.clearWindow()
}

// toHalfOpen ends the cool-down. Until keeps the time it ended.
func (b *Breaker) toHalfOpen() {
	b.State = HalfOpen
	b.Generation++
	b.Probes = 0
	b.ProbeSince = time.Time{}
}

// toClosed closes the breaker with a fresh window. The next trip opens it
// for Config.Cooldown again.
func (b *Breaker) toClosed() {
	b.State = Closed
	b.Generation++
	b.Until = time.Time{}
	b.Probes = 0
	b.ProbeSince = time.Time{}
	b.Consecutive = 0
	b.clearWindow()
}

// nextCooldown is the open period after a failed probe: the last one
// doubled, at least Cooldown and at most MaxCooldown.
func (b *Breaker) nextCooldown(c Config) time.Duration {
	if b.Cooldown > c.MaxCooldown/2 {
		return c.MaxCooldown
	}
	return min(max(2*b.Cooldown, c.Cooldown), c.MaxCooldown)
}

// expireProbes frees the probe slots once the oldest outstanding probe has
// been out for ProbeLease: its holder is presumed dead. Only the oldest
// admission time is kept, so every slot is freed at once; a probe that
// reports late still counts, as its generation is still current.
func (b *Breaker) expireProbes(c Config, now time.Time) {
	if b.Probes > 0 && !now.Before(b.ProbeSince.Add(c.ProbeLease)) {
		b.Probes = 0
		b.ProbeSince = time.Time{}
	}
}

// freeProbe frees the slot of one probe that reported a neutral outcome.
func (b *Breaker) freeProbe() {
	if b.Probes > 0 {
		b.Probes--
	}
	if b.Probes == 0 {
		b.ProbeSince = time.Time{}
	}
}

package redis

import (
	"context"
	"fmt"
	"strconv"

	goredis "github.com/redis/go-redis/v9"
)

// clusterSlots is the number of hash slots of a Redis Cluster.
const clusterSlots = 16384

// probeScript writes the probe key as the store's own calls write: from a
// script, so that a user whose ACL forbids scripts (NOPERM) or a server
// without them fails the probe too, instead of passing it while every
// call of the store fails.
const probeScript = "return redis.call('SET', KEYS[1], '1', 'EX', 60)"

// probe checks that Redis takes the store's writes: a server that answers
// PING may still refuse them (a master demoted by a failover answers
// READONLY, one that cannot persist MISCONF). In a cluster it writes one key in every
// slot range the cluster reports, so that it succeeds only when every
// shard serves: a store that recovered on one answering shard while the
// keys of targets on a dead one still failed would flip between shared and
// local state with every call.
func (s *Store) probe(ctx context.Context) error {
	cc, ok := s.c.(*goredis.ClusterClient)
	if !ok {
		return s.c.Eval(ctx, probeScript, []string{s.cfg.prefix + "probe"}).Err()
	}
	ranges, err := cc.ClusterSlots(ctx).Result()
	if err != nil {
		return err
	}
	served := 0
	pipe := cc.Pipeline()
	for _, r := range ranges {
		served += r.End - r.Start + 1
		pipe.Eval(ctx, probeScript, []string{s.cfg.prefix + "probe:{" + s.slotTag(r.Start, r.End) + "}"})
	}
	if served < clusterSlots {
		return fmt.Errorf("redis store: the cluster serves %d of its %d hash slots", served, clusterSlots)
	}
	_, err = pipe.Exec(ctx)
	return err
}

// slotTag returns a hash tag whose slot lies in [start, end], remembered
// per range.
func (s *Store) slotTag(start, end int) string {
	k := [2]int{start, end}
	if t, ok := s.slots.Load(k); ok {
		return t.(string)
	}
	t := tagInSlots(start, end)
	s.slots.Store(k, t)
	return t
}

// tagInSlots returns the first decimal number whose hash slot lies in
// [start, end]. A range of n slots takes about 16384/n tries; every slot
// has a number below 110 000.
func tagInSlots(start, end int) string {
	start, end = max(start, 0), min(end, clusterSlots-1)
	if start > end {
		return "0"
	}
	for i := 0; ; i++ {
		t := strconv.Itoa(i)
		if sl := int(crc16(t) % clusterSlots); sl >= start && sl <= end {
			return t
		}
	}
}

// crc16 is the CRC16-CCITT (XMODEM) checksum that Redis Cluster hashes
// keys with.
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

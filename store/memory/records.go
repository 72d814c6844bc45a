package memory

import (
	"container/list"
	"sync"
	"time"

	"github.com/lifelinehq/lifeline/store"
)

// Below shardThreshold records the store uses a single shard, so that the
// eviction order is exactly oldest first; above it, eviction is oldest
// first within each shard.
const (
	shardThreshold = 4096
	shardCount     = 16
	// sweepMin is the fewest insertions between two sweeps of a shard.
	sweepMin = 64
)

// record is one idempotency key's entry: an in-flight marker, or a stored
// response once done.
type record struct {
	key     string
	fp      store.Fingerprint
	token   string // the owner's token (Claim's answer)
	done    bool
	resp    store.Record // set when done
	expires time.Time    // lease end (in flight) or TTL end (done)
	size    int64        // bytes of resp, counted in shard.bytes
	// changed is closed when the in-flight marker ends: the key is
	// completed, released, expired or evicted. Nil once closed.
	changed chan struct{}
	elem    *list.Element // in shard.order
}

// shard holds some of the records, guarded by its own mutex.
type shard struct {
	mu      sync.Mutex
	records map[string]*record
	order   list.List // *record, oldest first
	max     int       // records this shard may hold
	maxSize int64     // bytes of answers this shard may hold
	bytes   int64     // bytes of the answers it holds
	inserts int       // insertions since the last sweep
	sweepAt int       // insertions that call for the next sweep
}

// newShards splits the bounds of maxRecords and maxBytes over the shards.
func newShards(maxRecords int, maxBytes int64) []*shard {
	n := 1
	if maxRecords >= shardThreshold {
		n = shardCount
	}
	shards := make([]*shard, n)
	for i := range shards {
		m := maxRecords / n
		if i < maxRecords%n {
			m++
		}
		shards[i] = &shard{records: make(map[string]*record), max: m, maxSize: maxBytes / int64(n), sweepAt: sweepMin}
	}
	return shards
}

// shard returns the shard that holds key.
func (s *Store) shard(key string) *shard {
	if len(s.shards) == 1 {
		return s.shards[0]
	}
	return s.shards[s.hash(key)%uint64(len(s.shards))]
}

// get returns key's live record, removing it if it has expired at now.
func (sh *shard) get(key string, now time.Time) *record {
	r := sh.records[key]
	if r != nil && !now.Before(r.expires) {
		sh.remove(r)
		return nil
	}
	return r
}

// insert adds r as the newest record, sweeping expired records now and
// then and evicting the oldest ones when the shard is full.
func (sh *shard) insert(r *record, now time.Time) {
	sh.inserts++
	if sh.inserts >= sh.sweepAt {
		sh.sweep(now)
	}
	for len(sh.records) >= sh.max {
		sh.remove(sh.order.Front().Value.(*record))
	}
	sh.records[r.key] = r
	r.elem = sh.order.PushBack(r)
}

// renew makes r the newest record.
func (sh *shard) renew(r *record) {
	sh.order.MoveToBack(r.elem)
}

// sweep removes every expired record. Insertions pay for it: the next
// sweep comes after as many insertions as records are left, so a sweep of
// n records is spread over at least n insertions.
func (sh *shard) sweep(now time.Time) {
	for _, r := range sh.records {
		if !now.Before(r.expires) {
			sh.remove(r)
		}
	}
	sh.inserts = 0
	sh.sweepAt = max(len(sh.records), sweepMin)
}

// remove deletes r and wakes its waiters.
func (sh *shard) remove(r *record) {
	delete(sh.records, r.key)
	sh.order.Remove(r.elem)
	sh.bytes -= r.size
	r.wake()
}

// hold counts the answer r now holds, and evicts the oldest other answers
// while the shard holds more than its bytes; keys in flight stay.
func (sh *shard) hold(r *record) {
	r.size = recordSize(r.resp)
	sh.bytes += r.size
	for e := sh.order.Front(); e != nil && sh.bytes > sh.maxSize; {
		next := e.Next()
		if old := e.Value.(*record); old != r && old.done {
			sh.remove(old)
		}
		e = next
	}
}

// recordSize is the bytes an answer holds: its body and its headers.
func recordSize(rec store.Record) int64 {
	n := len(rec.Body)
	for k, vs := range rec.Header {
		n += len(k)
		for _, v := range vs {
			n += len(v)
		}
	}
	return int64(n)
}

// wake closes r's change channel, once.
func (r *record) wake() {
	if r.changed != nil {
		close(r.changed)
		r.changed = nil
	}
}

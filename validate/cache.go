package validate

import (
	"crypto/sha256"
	"fmt"
	"sync"
)

// DefaultCacheSize is the number of compiled schemas NewCache keeps when
// asked for a size below 1.
const DefaultCacheSize = 256

// Cache holds compiled schemas keyed by the SHA-256 of their text, bounded
// to a number of entries and to an estimate of the memory they hold (least
// recently used evicted). Safe for concurrent use.
//
// Each distinct schema text is compiled once: callers that ask for a schema
// while it is being compiled wait for that compilation instead of starting
// their own. A schema that fails to compile is cached with its error, so a
// client that repeats a bad schema costs one hash and one lookup.
type Cache struct {
	mu      sync.Mutex
	size    int
	entries map[[sha256.Size]byte]*entry
	lru     entry // sentinel of the recency list: lru.next is the newest
	stats   CacheStats
	weight  int // estimated memory of the compiled schemas held

	// compile turns schema text into a schema; tests replace it.
	compile func(text []byte) (*compiled, error)
}

// CacheStats counts what a Cache did since it was made.
type CacheStats struct {
	Hits      uint64 // lookups served by an entry (compiled or in compilation)
	Compiles  uint64 // lookups that compiled a schema (misses)
	Evictions uint64 // entries dropped to stay within the size
}

type entry struct {
	key        [sha256.Size]byte
	prev, next *entry
	done       chan struct{} // closed when sch and err are set
	sch        *compiled
	err        error
	weight     int // counted in Cache.weight
}

// NewCache returns a cache of at most size compiled schemas. A size below 1
// means DefaultCacheSize.
func NewCache(size int) *Cache {
	if size < 1 {
		size = DefaultCacheSize
	}
	c := &Cache{
		size:    size,
		entries: make(map[[sha256.Size]byte]*entry, size),
		compile: compileSchema,
	}
	c.lru.next, c.lru.prev = &c.lru, &c.lru
	return c
}

// Len returns the number of schemas the cache holds, including failed and
// in-progress compilations.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Stats returns the cache's counters.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// schema returns the compiled form of the schema text, compiling it on
// first use.
func (c *Cache) schema(text []byte) (*compiled, error) {
	key := sha256.Sum256(text)
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		c.stats.Hits++
		c.unlink(e)
		c.pushFront(e)
		c.mu.Unlock()
		<-e.done
		return e.sch, e.err
	}
	e := &entry{key: key, done: make(chan struct{})}
	c.entries[key] = e
	c.pushFront(e)
	c.stats.Compiles++
	c.evict(e)
	c.mu.Unlock()

	c.fill(e, text)
	if e.sch != nil {
		c.mu.Lock()
		if c.entries[e.key] == e { // not evicted meanwhile
			e.weight = e.sch.weight
			c.weight += e.weight
			c.evict(e)
		}
		c.mu.Unlock()
	}
	return e.sch, e.err
}

// evict drops the least recently used entries other than keep while the
// cache holds more than its size or its weight bound. c.mu is held.
func (c *Cache) evict(keep *entry) {
	for len(c.entries) > c.size || c.weight > maxCacheWeight {
		old := c.lru.prev
		if old == keep {
			old = old.prev
		}
		if old == &c.lru {
			return
		}
		c.unlink(old)
		delete(c.entries, old.key)
		c.weight -= old.weight
		c.stats.Evictions++
	}
}

// fill compiles text into e and wakes the callers waiting for it, even if
// the compiler panics.
func (c *Cache) fill(e *entry, text []byte) {
	defer close(e.done)
	defer func() {
		if r := recover(); r != nil {
			e.sch, e.err = nil, fmt.Errorf("schema compiler failed: %v", r)
		}
	}()
	e.sch, e.err = c.compile(text)
}

func (c *Cache) unlink(e *entry) {
	e.prev.next = e.next
	e.next.prev = e.prev
	e.prev, e.next = nil, nil
}

func (c *Cache) pushFront(e *entry) {
	e.prev = &c.lru
	e.next = c.lru.next
	c.lru.next.prev = e
	c.lru.next = e
}

package validate

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
)

func TestCacheCompilesOnceUnderConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewCache(4)
		release := make(chan struct{})
		compiles := 0
		c.compile = func(text []byte) (*compiled, error) {
			compiles++ // only ever one caller gets here
			<-release
			return compileSchema(text)
		}
		const callers = 8
		results := make([]*compiled, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				sch, err := c.schema([]byte(`{"type":"string"}`))
				if err != nil {
					t.Error(err)
				}
				results[i] = sch
			})
		}
		synctest.Wait() // every caller is blocked: one compiling, the rest waiting for it
		if compiles != 1 {
			t.Fatalf("compilations in flight = %d, want 1", compiles)
		}
		close(release)
		wg.Wait()
		for i, r := range results {
			if r == nil || r != results[0] {
				t.Fatalf("caller %d got %p, want the shared %p", i, r, results[0])
			}
		}
		if st := c.Stats(); st.Compiles != 1 || st.Hits != callers-1 {
			t.Errorf("stats = %+v, want 1 compile and %d hits", st, callers-1)
		}
	})
}

func TestCacheIsBoundedLRU(t *testing.T) {
	c := NewCache(3)
	schema := func(i int) []byte { return fmt.Appendf(nil, `{"maxLength": %d}`, i) }
	for i := range 3 {
		if _, err := c.schema(schema(i)); err != nil {
			t.Fatal(err)
		}
	}
	c.schema(schema(0)) // 0 is now the most recent; 1 the least
	c.schema(schema(3)) // evicts 1
	if n := c.Len(); n != 3 {
		t.Fatalf("Len = %d, want 3", n)
	}
	before := c.Stats().Compiles
	c.schema(schema(0))
	c.schema(schema(2))
	c.schema(schema(3))
	if got := c.Stats().Compiles - before; got != 0 {
		t.Errorf("recent schemas were recompiled %d times", got)
	}
	c.schema(schema(1))
	if got := c.Stats().Compiles - before; got != 1 {
		t.Errorf("evicted schema: %d compilations, want 1", got)
	}
	if st := c.Stats(); st.Evictions != 2 || c.Len() != 3 {
		t.Errorf("stats = %+v, Len = %d; want 2 evictions, 3 entries", st, c.Len())
	}
}

func TestCacheKeepsFailures(t *testing.T) {
	c := NewCache(2)
	for range 3 {
		_, err := c.schema([]byte(`{"type": 12}`))
		var se *SchemaError
		if !errors.As(err, &se) {
			t.Fatalf("err = %v, want *SchemaError", err)
		}
	}
	if st := c.Stats(); st.Compiles != 1 {
		t.Errorf("a bad schema was compiled %d times, want 1", st.Compiles)
	}
}

func TestCacheSurvivesCompilerPanic(t *testing.T) {
	c := NewCache(2)
	c.compile = func([]byte) (*compiled, error) { panic("boom") }
	if _, err := c.schema([]byte(`{}`)); err == nil {
		t.Fatal("want an error from a panicking compiler")
	}
	if _, err := c.schema([]byte(`{}`)); err == nil { // waiters are released, not stuck
		t.Fatal("want the cached error")
	}
}

func TestNewCacheDefaultSize(t *testing.T) {
	c := NewCache(0)
	if c.size != DefaultCacheSize {
		t.Errorf("size = %d, want %d", c.size, DefaultCacheSize)
	}
}

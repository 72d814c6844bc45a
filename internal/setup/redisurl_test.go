package setup_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline/internal/config"
	"github.com/lifelinehq/lifeline/store/redis"
)

// redisURLs are URLs the Redis store accepts and URLs it refuses; the
// configuration check must agree with it on each. Hosts are loopback IP
// literals on ports where nothing listens (or 127.0.0.2, where a local
// Redis does not), so that the store's first contact needs no DNS and
// reaches no server.
var redisURLs = []string{
	// One server.
	"redis://127.0.0.1:1/0",
	"redis://127.0.0.1:1",
	"redis://127.0.0.2",
	"REDIS://127.0.0.1:1/1",
	"  redis://127.0.0.1:1/0  ",
	"redis://:hunter2@127.0.0.1:1/0",
	"redis://user:hunter2@127.0.0.1:1/0?dial_timeout=2s&pool_size=20",
	"rediss://user:p%40ss@127.0.0.1:2/0",
	"redis://[::1]:1/0",
	"unix:///run/redis.sock",
	"unix://user:hunter2@/run/redis.sock?db=3",
	"redis://127.0.0.1:1/x",
	"redis://127.0.0.1:1/0/1",
	"redis://:hunter2@127.0.0.1:1/0?bogus=1",
	"redis://:hunter2@127.0.0.1:1/0%zz",
	"redis://127.0.0.1:notaport/0",
	"redis://:hunter2@a:6379,b:6379",
	"rediss://a:1,b:2/0",
	"unix://",
	"redis://",
	// Sentinel.
	"redis+sentinel://:hunter2@127.0.0.1:1,127.0.0.1:2,127.0.0.3/mymaster/3",
	"rediss+sentinel://app:hunter2@127.0.0.1:1/main?sentinel_password=sp&read_timeout=1s",
	"redis+sentinel://127.0.0.3/m",
	"redis+sentinel://127.0.0.1:1/m?sentinel_username=u&sentinel_password=hunter2",
	"redis+sentinel://[::1]:1/m/0",
	"redis+sentinel://:hunter2@s1:26379",
	"redis+sentinel://:hunter2@s1:26379/m/x",
	"redis+sentinel://:hunter2@s1:26379/m/1/2",
	"redis+sentinel://s1:26379/m?bogus=1",
	"redis+sentinel://s1:0/m",
	"redis+sentinel:///m",
	"redis+sentinel://s1/m%zz",
	"redis+sentinel://u%zz:p@s1/m",
	"redis+sentinel://s1/m?a=%zz",
	// Cluster.
	"redis+cluster://:hunter2@127.0.0.1:1,127.0.0.1:2,[::1]:3",
	"rediss+cluster://127.0.0.1:1",
	"redis+cluster://127.0.0.2,127.0.0.3?read_timeout=1s",
	"REDIS+CLUSTER://127.0.0.1:1",
	"redis+cluster://n1:7000/0",
	"redis+cluster://:hunter2@n1:notaport",
	"redis+cluster://n1:7000?bogus=1",
	"redis+cluster://,,",
	// Bare host lists.
	"127.0.0.1:1, 127.0.0.1:2",
	"127.0.0.1:1",
	"127.0.0.1:1,",
	"[::1]:1",
	"cache",
	"cache:0",
	"cache:65536",
	":6379",
	"a:1,b",
	" , ",
	"user:hunter2@n1:7000,n2:7001",
	// Other schemes.
	"http://:hunter2@cache:6379",
	"redis+unknown://cache:6379",
	"tcp://cache:6379",
}

// storeAccepts reports whether redis.New reads url. With a context that
// is already cancelled, New returns the context's error once it has read
// the URL (before any connection), and its parse error otherwise.
func storeAccepts(t *testing.T, url string) (bool, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s, err := redis.New(ctx, url)
	if err == nil {
		s.Close()
		t.Fatalf("redis.New(%q) with a cancelled context succeeded", url)
	}
	return errors.Is(err, context.Canceled), err
}

// configAccepts reports whether the configuration check accepts url, and
// its message when not.
func configAccepts(url string) (bool, string) {
	c := &config.Config{State: config.State{Backend: "redis", RedisURL: url}}
	for _, e := range config.Errors(c.Validate()) {
		if e.Path == "state.redis_url" {
			return false, e.Error()
		}
	}
	return true, ""
}

func checkAgree(t *testing.T, url string) {
	t.Helper()
	storeOK, storeErr := storeAccepts(t, url)
	cfgOK, msg := configAccepts(url)
	if storeOK != cfgOK {
		t.Fatalf("redis_url %q: the store accepts it: %v (%v); the config check accepts it: %v (%s)",
			url, storeOK, storeErr, cfgOK, msg)
	}
	if strings.Contains(msg, "hunter2") {
		t.Fatalf("the config check shows the password: %s", msg)
	}
}

// TestRedisURLCheckAgreesWithStore checks that `lifeline check` and
// `lifeline serve` accept exactly the same Redis URLs.
func TestRedisURLCheckAgreesWithStore(t *testing.T) {
	accepted := 0
	for _, u := range redisURLs {
		checkAgree(t, u)
		if ok, _ := configAccepts(u); ok {
			accepted++
		}
	}
	// Both sides of the table must be exercised.
	if accepted < 15 || len(redisURLs)-accepted < 15 {
		t.Fatalf("the table has %d accepted and %d refused URLs; want both well represented", accepted, len(redisURLs)-accepted)
	}
}

// TestRedisURLCheckAgreesOnVariants builds URLs from fragments (schemes,
// user information, host lists, paths, queries) and checks every one.
func TestRedisURLCheckAgreesOnVariants(t *testing.T) {
	// Valid fragments are repeated, so that both outcomes are common.
	schemes := []string{"", "redis://", "redis://", "rediss://", "unix://", "redis+sentinel://", "redis+sentinel://", "rediss+sentinel://", "redis+cluster://", "redis+cluster://", "rediss+cluster://", "Redis+Cluster://", "memcache://"}
	users := []string{"", "", "", ":hunter2@", "user:hunter2@", "user@", "u%zz:hunter2@"}
	hosts := []string{"127.0.0.1:1", "127.0.0.1:1", "127.0.0.2", "127.0.0.1:1,127.0.0.1:2", "127.0.0.2,127.0.0.3", "[::1]:2", "127.0.0.1:99999", "", ",", "/tmp/r.sock"}
	paths := []string{"", "", "", "/", "/0", "/master", "/master", "/master/2", "/master/x", "/a/b/c", "/%zz"}
	queries := []string{"", "", "", "?dial_timeout=1s", "?db=2", "?bogus=1", "?sentinel_password=hunter2", "?pool_size=x", "?a=%zz"}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	seen := map[string]bool{}
	accepted := 0
	for range 1500 {
		u := pick(schemes) + pick(users) + pick(hosts) + pick(paths) + pick(queries)
		if seen[u] {
			continue
		}
		seen[u] = true
		t.Run(fmt.Sprintf("%q", u), func(t *testing.T) { checkAgree(t, u) })
		if ok, _ := configAccepts(u); ok {
			accepted++
		}
	}
	if accepted < 50 || len(seen)-accepted < 50 {
		t.Fatalf("%d variants accepted, %d refused; want both well represented", accepted, len(seen)-accepted)
	}
	t.Logf("%d variants: %d accepted, %d refused", len(seen), accepted, len(seen)-accepted)
}

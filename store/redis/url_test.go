package redis

import (
	"slices"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		url   string
		check func(t *testing.T, e endpoint)
	}{
		{"redis://127.0.0.1:6380/2", func(t *testing.T, e endpoint) {
			want(t, e.kind == standalone && e.single.Addr == "127.0.0.1:6380" && e.single.DB == 2 && e.single.TLSConfig == nil, e)
		}},
		{"rediss://user:p%40ss@cache.example:6390/0?dial_timeout=2s", func(t *testing.T, e endpoint) {
			o := e.single
			want(t, e.kind == standalone && o.TLSConfig != nil && o.Username == "user" && o.Password == "p@ss" && o.DialTimeout.Seconds() == 2, e)
		}},
		{"redis+sentinel://:secret@s1:26379,s2:26380,s3/mymaster/3", func(t *testing.T, e endpoint) {
			o := e.failover
			want(t, e.kind == sentinel && o.MasterName == "mymaster" && o.DB == 3 &&
				slices.Equal(o.SentinelAddrs, []string{"s1:26379", "s2:26380", "s3:26379"}) &&
				o.Password == "secret" && o.SentinelPassword == "" && o.TLSConfig == nil, e)
		}},
		{"rediss+sentinel://app:pw@s1:26379/main?sentinel_password=sp&read_timeout=1s", func(t *testing.T, e endpoint) {
			o := e.failover
			want(t, e.kind == sentinel && o.MasterName == "main" && o.DB == 0 && o.Username == "app" && o.Password == "pw" &&
				o.SentinelPassword == "sp" && o.TLSConfig != nil && o.ReadTimeout.Seconds() == 1, e)
		}},
		{"redis+cluster://:pw@n1:7000,n2:7001,[::1]:7002", func(t *testing.T, e endpoint) {
			o := e.cluster
			want(t, e.kind == cluster && slices.Equal(o.Addrs, []string{"n1:7000", "n2:7001", "[::1]:7002"}) && o.Password == "pw", e)
		}},
		{"rediss+cluster://n1:7000", func(t *testing.T, e endpoint) {
			want(t, e.kind == cluster && slices.Equal(e.cluster.Addrs, []string{"n1:7000"}) && e.cluster.TLSConfig != nil, e)
		}},
		{"10.0.0.1:7000, 10.0.0.2:7001", func(t *testing.T, e endpoint) {
			want(t, e.kind == cluster && slices.Equal(e.cluster.Addrs, []string{"10.0.0.1:7000", "10.0.0.2:7001"}), e)
		}},
		{"10.0.0.1:6379", func(t *testing.T, e endpoint) {
			want(t, e.kind == standalone && e.single.Addr == "10.0.0.1:6379", e)
		}},
	} {
		t.Run(c.url, func(t *testing.T) {
			e, err := parseURL(c.url)
			if err != nil {
				t.Fatalf("parseURL: %v", err)
			}
			c.check(t, e)
		})
	}
}

func want(t *testing.T, ok bool, e endpoint) {
	t.Helper()
	if !ok {
		t.Fatalf("endpoint %s: single %+v failover %+v cluster %+v", e.kind, e.single, e.failover, e.cluster)
	}
}

func TestParseURLErrors(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"http://:hunter2@host:1", "unknown scheme"},
		{"redis://:hunter2@a:1,b:2", "redis+cluster://"},
		{"redis+sentinel://:hunter2@s1:26379", "master name"},
		{"redis+sentinel://:hunter2@s1:26379/m/x", "not a number"},
		{"redis+sentinel://:hunter2@s1:26379/m/1/2", "master name"},
		{"redis+cluster://:hunter2@n1:7000/0", "no database"},
		{"redis+cluster://:hunter2@n1:notaport", "port"},
		{"redis://:hunter2@host:1/0%zz", "escape"},
		{"redis://:hunter2@host:1/0?bogus=1", "bogus"},
		{"nohostport", "host:port"},
		{"", "host"},
	} {
		t.Run(c.url, func(t *testing.T) {
			_, err := parseURL(c.url)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q, want it to mention %q", err, c.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error shows the password: %q", err)
			}
		})
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"redis://127.0.0.1:6379/0",
		"redis+sentinel://:pw@s1:26379,s2/master/1",
		"redis+cluster://n1:7000,n2:7001?read_timeout=1s",
		"a:1,b:2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseURL(s)
		if err != nil {
			return
		}
		n := 0
		for _, set := range []bool{e.single != nil, e.failover != nil, e.cluster != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("parseURL(%q): %d option sets", s, n)
		}
	})
}

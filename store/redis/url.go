package redis

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// Deployment kinds a URL selects.
const (
	standalone = "standalone"
	sentinel   = "sentinel"
	cluster    = "cluster"
)

// endpoint is a parsed URL: the deployment kind and the go-redis options
// of its client. Exactly one of the option pointers is set.
type endpoint struct {
	kind     string
	single   *goredis.Options
	failover *goredis.FailoverOptions
	cluster  *goredis.ClusterOptions
}

// Default ports when a host of a list has none.
const (
	redisPort    = "6379"
	sentinelPort = "26379"
)

// ParseURL reports whether New accepts url (one of the forms in the package
// documentation), without connecting. Its error never repeats the URL,
// which may hold a password.
func ParseURL(url string) error {
	_, err := parseURL(url)
	return err
}

// parseURL reads the URL forms listed in the package documentation. Its
// errors never repeat the URL, which may hold a password.
func parseURL(raw string) (endpoint, error) {
	raw = strings.TrimSpace(raw)
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return parseAddrList(raw)
	}
	switch strings.ToLower(scheme) {
	case "redis", "rediss", "unix":
		if host := hostPart(rest); strings.Contains(host, ",") {
			return endpoint{}, errors.New("redis URL: several hosts after redis://; use redis+cluster:// for a cluster or redis+sentinel:// for Sentinel")
		}
		o, err := goredis.ParseURL(raw)
		if err != nil {
			return endpoint{}, redact(err)
		}
		return endpoint{kind: standalone, single: o}, nil
	case "redis+sentinel", "rediss+sentinel":
		return parseSentinel(strings.HasPrefix(strings.ToLower(scheme), "rediss"), rest)
	case "redis+cluster", "rediss+cluster":
		return parseCluster(strings.HasPrefix(strings.ToLower(scheme), "rediss"), rest)
	}
	return endpoint{}, fmt.Errorf("redis URL: unknown scheme %q (want redis, rediss, redis+sentinel, redis+cluster or a comma-separated list of host:port)", scheme)
}

// hostPart returns the authority of a URL's remainder after "://", without
// user information.
func hostPart(rest string) string {
	a, _, _ := strings.Cut(rest, "/")
	a, _, _ = strings.Cut(a, "?")
	if i := strings.LastIndexByte(a, '@'); i >= 0 {
		a = a[i+1:]
	}
	return a
}

// parseAddrList reads "host:port[,host:port…]": one address is a
// standalone server, several are the seeds of a cluster.
func parseAddrList(raw string) (endpoint, error) {
	addrs, err := splitHosts(raw, "")
	if err != nil {
		return endpoint{}, err
	}
	if len(addrs) == 1 {
		return endpoint{kind: standalone, single: &goredis.Options{Addr: addrs[0]}}, nil
	}
	return endpoint{kind: cluster, cluster: &goredis.ClusterOptions{Addrs: addrs}}, nil
}

// multiURL is a URL whose authority lists several hosts, which net/url
// does not parse.
type multiURL struct {
	user  *url.Userinfo
	hosts []string
	path  []string // non-empty path segments
	query url.Values
}

// splitMulti splits the remainder after "://" of a multi-host URL.
func splitMulti(rest, defaultPort string) (multiURL, error) {
	var m multiURL
	rest, rawQuery, _ := strings.Cut(rest, "?")
	rest, _, _ = strings.Cut(rest, "#")
	authority, path, _ := strings.Cut(rest, "/")
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		info := authority[:i]
		authority = authority[i+1:]
		name, pass, hasPass := strings.Cut(info, ":")
		var err error
		if name, err = url.PathUnescape(name); err != nil {
			return m, errors.New("redis URL: bad escape in the user name")
		}
		if pass, err = url.PathUnescape(pass); err != nil {
			return m, errors.New("redis URL: bad escape in the password")
		}
		if hasPass {
			m.user = url.UserPassword(name, pass)
		} else {
			m.user = url.User(name)
		}
	}
	var err error
	if m.hosts, err = splitHosts(authority, defaultPort); err != nil {
		return m, err
	}
	for seg := range strings.SplitSeq(path, "/") {
		if seg != "" {
			s, err := url.PathUnescape(seg)
			if err != nil {
				return m, errors.New("redis URL: bad escape in the path")
			}
			m.path = append(m.path, s)
		}
	}
	if m.query, err = url.ParseQuery(rawQuery); err != nil {
		return m, errors.New("redis URL: bad query string")
	}
	return m, nil
}

// splitHosts splits a comma-separated host list, adding defaultPort to a
// host without one (or refusing it when defaultPort is empty).
func splitHosts(list, defaultPort string) ([]string, error) {
	var addrs []string
	for h := range strings.SplitSeq(list, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil && defaultPort != "" {
			host, port, err = strings.Trim(h, "[]"), defaultPort, nil
		}
		if err != nil || host == "" {
			return nil, fmt.Errorf("redis URL: %q is not host:port", withoutUser(h))
		}
		if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
			return nil, fmt.Errorf("redis URL: bad port in %q", withoutUser(h))
		}
		addrs = append(addrs, net.JoinHostPort(host, port))
	}
	if len(addrs) == 0 {
		return nil, errors.New("redis URL: no host")
	}
	return addrs, nil
}

// withoutUser shows a host of a list without what may hold a password:
// user information before '@', and a path or query after it.
func withoutUser(h string) string {
	if i := strings.LastIndexByte(h, '@'); i >= 0 {
		h = "…@" + h[i+1:]
	}
	if i := strings.IndexAny(h, "/?"); i >= 0 {
		h = h[:i] + "…"
	}
	return h
}

// parseSentinel reads redis+sentinel://[user:pass@]host:port[,…]/master[/db][?query].
// The user information authenticates to the master and replicas; the
// query parameters sentinel_username and sentinel_password to the
// sentinels; other parameters are go-redis's FailoverOptions (as in
// redis.ParseFailoverURL).
func parseSentinel(tls bool, rest string) (endpoint, error) {
	m, err := splitMulti(rest, sentinelPort)
	if err != nil {
		return endpoint{}, err
	}
	if len(m.path) == 0 || len(m.path) > 2 {
		return endpoint{}, errors.New("redis URL: redis+sentinel:// needs the master name as its path: /mastername or /mastername/db")
	}
	q := m.query
	q.Set("master_name", m.path[0])
	for _, h := range m.hosts[1:] {
		q.Add("addr", h)
	}
	if m.user != nil {
		if name := m.user.Username(); name != "" {
			q.Set("username", name)
		}
		if pass, ok := m.user.Password(); ok {
			q.Set("password", pass)
		}
	}
	u := url.URL{Scheme: "redis", Host: m.hosts[0]}
	if tls {
		u.Scheme = "rediss"
	}
	if len(m.path) == 2 {
		if _, err := strconv.Atoi(m.path[1]); err != nil {
			return endpoint{}, fmt.Errorf("redis URL: database %q is not a number", m.path[1])
		}
		u.Path = "/" + m.path[1]
	}
	if q.Has("sentinel_username") || q.Has("sentinel_password") {
		u.User = url.UserPassword(q.Get("sentinel_username"), q.Get("sentinel_password"))
		q.Del("sentinel_username")
		q.Del("sentinel_password")
	}
	u.RawQuery = q.Encode()
	o, err := goredis.ParseFailoverURL(u.String())
	if err != nil {
		return endpoint{}, redact(err)
	}
	return endpoint{kind: sentinel, failover: o}, nil
}

// parseCluster reads redis+cluster://[user:pass@]host:port[,…][?query];
// the query parameters are go-redis's ClusterOptions (as in
// redis.ParseClusterURL).
func parseCluster(tls bool, rest string) (endpoint, error) {
	m, err := splitMulti(rest, redisPort)
	if err != nil {
		return endpoint{}, err
	}
	if len(m.path) != 0 {
		return endpoint{}, errors.New("redis URL: a cluster has no database: drop the path of redis+cluster://")
	}
	q := m.query
	for _, h := range m.hosts[1:] {
		q.Add("addr", h)
	}
	u := url.URL{Scheme: "redis", Host: m.hosts[0], User: m.user, RawQuery: q.Encode()}
	if tls {
		u.Scheme = "rediss"
	}
	o, err := goredis.ParseClusterURL(u.String())
	if err != nil {
		return endpoint{}, redact(err)
	}
	return endpoint{kind: cluster, cluster: o}, nil
}

// redact drops the URL from a *url.Error, which may hold a password.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("redis URL: %s: %w", ue.Op, ue.Err)
	}
	return fmt.Errorf("redis URL: %w", err)
}

// client builds the go-redis client. Every call the store makes is one
// attempt bounded by its context: go-redis must neither retry (a script
// that ran but whose reply was lost would run twice) nor ignore deadlines,
// and a refused connection should show at once rather than after dial
// retries (unless the URL sets dialer_retries).
func (e endpoint) client() goredis.UniversalClient {
	dialRetries := func(n int) int {
		if n <= 0 {
			return 1
		}
		return n
	}
	switch e.kind {
	case sentinel:
		o := *e.failover
		o.MaxRetries, o.ContextTimeoutEnabled = -1, true
		o.DialerRetries = dialRetries(o.DialerRetries)
		return goredis.NewFailoverClient(&o)
	case cluster:
		o := *e.cluster
		o.MaxRetries, o.ContextTimeoutEnabled = -1, true
		o.DialerRetries = dialRetries(o.DialerRetries)
		return goredis.NewClusterClient(&o)
	default:
		o := *e.single
		o.MaxRetries, o.ContextTimeoutEnabled = -1, true
		o.DialerRetries = dialRetries(o.DialerRetries)
		return goredis.NewClient(&o)
	}
}

package gateway

import (
	"net/http"
	"path"
	"strings"
)

// cleaned returns r with its path in clean form: no empty segment (a
// base URL that ends with a slash, joined to /v1/…), no . or ..
// segment; a trailing slash is kept. ServeMux would answer such a path
// with a 307 to its clean form: no answer to curl and to clients that do
// not follow redirects, and a body sent twice by those that do. A clean
// path returns r itself, without allocating.
func cleaned(r *http.Request) *http.Request {
	p := r.URL.Path
	if !strings.HasPrefix(p, "/") || (!strings.Contains(p, "//") && !strings.Contains(p, "/.")) {
		return r
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	if c == p {
		return r
	}
	r2 := *r
	u := *r.URL
	u.Path, u.RawPath = c, ""
	r2.URL = &u
	return &r2
}

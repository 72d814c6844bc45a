package config

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/lifelinehq/lifeline/internal/credential"
	"github.com/lifelinehq/lifeline/internal/textclip"
)

// A ${VAR} that holds a credential may be written, by mistake, where the
// file expects no credential (base_url: "${OPENAI_API_KEY}"); the problem
// found there must not quote the key. Such a value is named by its
// reference, ${VAR}, in every problem's message, key path and fix: the
// value of a variable named like a credential (…_API_KEY, …_TOKEN,
// …SECRET, …PASSWORD), and a value the file uses as a credential
// elsewhere (an api_key, a client key, a header's value, a URL's
// password or key-like query value). Other values are quoted as they
// are, so the mistake shows.

// minHidden is the shortest value hidden: shorter ones are no keys, and
// replacing them would garble the message around them.
const minHidden = 6

// secretVars returns the substituted variables whose values are
// credentials, judged by name or by use in c.
func (x *expansion) secretVars(c *Config) []envVar {
	var used []string
	use := func(v string) {
		if v != "" {
			used = append(used, v)
		}
	}
	for _, p := range c.Providers {
		use(p.APIKey.Reveal())
		for _, v := range p.Headers {
			use(v)
		}
		for _, v := range credential.Values("", nil, p.BaseURL) {
			use(v)
		}
	}
	for _, k := range c.Keys {
		use(k.Key.Reveal())
	}
	if u, err := url.Parse(c.State.RedisURL); err == nil {
		if p, ok := u.User.Password(); ok {
			use(p)
		}
	}
	var out []envVar
	for _, v := range x.vars {
		if len(v.value) < minHidden {
			continue
		}
		secret := credential.Param(v.name)
		for _, u := range used {
			secret = secret || strings.Contains(u, v.value)
		}
		if secret {
			out = append(out, v)
		}
	}
	return out
}

// hide writes ${VAR} for each of vars' values in the problems' texts, in
// every form a message may quote it: as it is, escaped (%q, JSON, URL),
// and cut short with textclip's mark.
func (c *collector) hide(vars []envVar) {
	if len(vars) == 0 || len(c.errs) == 0 {
		return
	}
	var pairs []string
	for _, v := range vars {
		ref := "${" + v.name + "}"
		forms := append(credential.Forms(v.value), strings.Trim(strconv.Quote(v.value), `"`))
		for _, f := range forms {
			pairs = append(pairs, f, ref)
		}
	}
	r := strings.NewReplacer(pairs...)
	hide := func(s string) string {
		s = r.Replace(s)
		for _, v := range vars {
			s = hideCut(s, v.value, "${"+v.name+"}")
		}
		return s
	}
	for _, e := range c.errs {
		e.Msg, e.Path, e.Fix = hide(e.Msg), hide(e.Path), hide(e.Fix)
	}
}

// hideCut writes ref for each start of value, at least minHidden bytes
// long, that s quotes cut short with textclip's mark: a message that cuts
// a long value quotes only its start.
func hideCut(s, value, ref string) string {
	if !strings.Contains(s, textclip.Mark) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, textclip.Mark)
		if i < 0 {
			break
		}
		head := s[:i]
		start := -1 // the earliest byte from which head is a start of value
		for p := 0; p+minHidden <= len(head); p++ {
			j := strings.Index(head[p:], value[:minHidden])
			if j < 0 {
				break
			}
			p += j
			if strings.HasPrefix(value, head[p:]) {
				start = p
				break
			}
		}
		if start >= 0 {
			b.WriteString(head[:start])
			b.WriteString(ref)
		} else {
			b.WriteString(s[:i+len(textclip.Mark)])
		}
		s = s[i+len(textclip.Mark):]
	}
	b.WriteString(s)
	return b.String()
}

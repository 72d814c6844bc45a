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
	if len(vars) == 0 {
		return
	}
	var pairs []string
	for _, v := range vars {
		ref := "${" + v.name + "}"
		forms := append(credential.Forms(v.value), strings.Trim(strconv.Quote(v.value), `"`))
		for _, f := range forms {
			pairs = append(pairs, f, ref)
		}
		// A message that cuts a long value quotes only its start.
		for n := len(v.value) - 1; n >= minHidden; n-- {
			pairs = append(pairs, v.value[:n]+textclip.Mark, ref)
		}
	}
	r := strings.NewReplacer(pairs...)
	for _, e := range c.errs {
		e.Msg, e.Path, e.Fix = r.Replace(e.Msg), r.Replace(e.Path), r.Replace(e.Fix)
	}
}

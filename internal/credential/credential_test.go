package credential

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// A key with characters that JSON and URLs escape is redacted in each
// escaped copy a provider may echo, not only as it was sent.
func TestSetRedactsEscapedCopies(t *testing.T) {
	const key = `sk-ant+LEAK/CANARY=x"q&<z>0123`
	var s Set
	s.Add(key)
	goJSON, _ := json.Marshal(map[string]string{"message": "bad key " + key})
	for _, text := range []string{
		"bad key " + key,
		string(goJSON), // \" and \u0026 \u003c \u003e
		`{"message":"bad key sk-ant+LEAK/CANARY=x\"q&<z>0123"}`,                 // no HTML escaping
		`{"message":"bad key sk-ant+LEAK\/CANARY=x\"q\u0026\u003cz\u003e0123"}`, // \/ as well
		`{"message":"bad key sk-ant+LEAK\/CANARY=x\"q&<z>0123"}`,                // \/ alone (PHP's json_encode)
		"GET /v1?key=" + url.QueryEscape(key),
		"GET /v1/" + url.PathEscape(key),
	} {
		got := s.String(text)
		if strings.Contains(got, "LEAK") || !strings.Contains(got, Redacted) {
			t.Errorf("String(%s) = %s: the key is left", text, got)
		}
		if got := string(s.Bytes([]byte(text))); strings.Contains(got, "LEAK") {
			t.Errorf("Bytes(%s) = %s: the key is left", text, got)
		}
	}
	if text := "nothing to hide"; s.String(text) != text || string(s.Bytes([]byte(text))) != text {
		t.Error("text without the key changed")
	}
}

// An ordinary key has no other form: redacting it costs one search.
func TestFormsOfAPlainKey(t *testing.T) {
	if got := Forms("sk-proj-AbC_123-xyz.9"); !slices.Equal(got, []string{"sk-proj-AbC_123-xyz.9"}) {
		t.Fatalf("Forms = %q, want the key alone", got)
	}
}

// The credentials of a provider: its key, its headers' values (and a
// bearer token alone), the password and the credential-like query values
// of its base URL, as written and decoded.
func TestValues(t *testing.T) {
	got := Values("sk-key-0123456789",
		http.Header{"Api-Key": {"azure-0123456789"}, "X-Proxy-Auth": {"Bearer tok-0123456789"}},
		"https://user:pw-0123456789@example.com/v1?api-version=2024-10-21&api_key=a%2Bb-0123456789&sig=s-0123456789")
	for _, want := range []string{"sk-key-0123456789", "azure-0123456789", "Bearer tok-0123456789", "tok-0123456789",
		"pw-0123456789", "a%2Bb-0123456789", "a+b-0123456789", "s-0123456789"} {
		if !slices.Contains(got, want) {
			t.Errorf("Values lacks %q: %q", want, got)
		}
	}
	if slices.Contains(got, "2024-10-21") {
		t.Errorf("Values holds api-version, which is no credential: %q", got)
	}
}

// A text that holds several credentials loses every one of them, whether
// the set looks for each form in turn (a few credentials) or scans for all
// at once (many).
func TestSetRedactsEveryCredentialInAText(t *testing.T) {
	for _, n := range []int{2, 40} {
		var keys []string
		for i := range n {
			keys = append(keys, fmt.Sprintf("sk-LEAK-%03d-0123456789", i))
		}
		var s Set
		s.Add(keys...)
		text := "first " + keys[0] + ", last " + keys[n-1] + ", first again " + keys[0]
		want := "first " + Redacted + ", last " + Redacted + ", first again " + Redacted
		if got := s.String(text); got != want {
			t.Errorf("%d keys: String = %q, want %q", n, got, want)
		}
		if got := string(s.Bytes([]byte(text))); got != want {
			t.Errorf("%d keys: Bytes = %q, want %q", n, got, want)
		}
	}
}

// One credential that holds another is redacted whole, never as the rest
// of it around a redacted shorter one.
func TestSetRedactsTheLongerCredentialWhole(t *testing.T) {
	var s Set
	s.Add("tok-0123456789", "LEAKprefix-tok-0123456789")
	if got := s.String("key LEAKprefix-tok-0123456789"); got != "key "+Redacted {
		t.Errorf("String = %q, want the longer credential redacted whole", got)
	}
}

// URL masks a URL's password and its credential-like query values however
// the rest of it reads: an @ in the query (an e-mail address) is no user
// information, and the key after it is masked too.
func TestURLMasksCredentials(t *testing.T) {
	for in, want := range map[string]string{
		"https://host/v1?email=a@b.com&api_key=LEAK-abc":  "https://host/v1?email=a@b.com&api_key=xxxxx",
		"https://u:LEAK@host/v1?api-version=1&sig=LEAK-x": "https://u:xxxxx@host/v1?api-version=1&sig=xxxxx",
		"redis://:LEAK1@h:6379,redis://:LEAK2@h2:6379":    "redis://:xxxxx@h:6379,redis://:xxxxx@h2:6379",
		"https://u:LEAK\"<>@host/v1?key=LEAK-y":           "…@host/v1?key=xxxxx",
		"user:LEAK@n1:7000":                               "…@n1:7000", // no scheme: user:password@host
		"https://host/v1?to%6Ben=LEAK-z":                  "https://host/v1?to%6Ben=xxxxx",
	} {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
}

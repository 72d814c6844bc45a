package gateway

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lifelinehq/lifeline"
	"github.com/lifelinehq/lifeline/internal/credential"
)

// manyKeysRedactor knows n client keys, "client-key-0000-suffix" and on.
func manyKeysRedactor(n int) *redactor {
	keys := make([]Key, n, n+1)
	for i := range keys {
		keys[i] = Key{Key: clientKeyN(i)}
	}
	return newRedactor(nil, append(keys, Key{Key: shortestKey}))
}

// shortestKey is as short as a credential the redactor looks for.
const shortestKey = "twelve-bytes"

func clientKeyN(i int) lifeline.Secret {
	return lifeline.Secret(fmt.Sprintf("client-key-%04d-suffix", i))
}

func TestRedactorWithManyCredentialsFindsEachOne(t *testing.T) {
	r := manyKeysRedactor(1000)
	for _, k := range []string{string(clientKeyN(0)), string(clientKeyN(1)), string(clientKeyN(499)), string(clientKeyN(999)), shortestKey} {
		for _, text := range []string{k, "echo " + k, k + " echoed", `{"a":"` + k + `","b":"` + k + `"}`} {
			want := strings.ReplaceAll(text, k, credential.Redacted)
			if got := r.string(text); got != want {
				t.Errorf("string(%q) = %q, want %q", text, got, want)
			}
			if got := string(r.bytes([]byte(text))); got != want {
				t.Errorf("bytes(%q) = %q, want %q", text, got, want)
			}
		}
	}
	for _, text := range []string{"", "client-key-", "client-key-1000-suffix", "client-key-0999-suffi", "lient-key-0999-suffix"} {
		if got := r.string(text); got != text {
			t.Errorf("string(%q) = %q, want it unchanged", text, got)
		}
	}
}

func BenchmarkRedactorBytesManyCredentials(b *testing.B) {
	r := manyKeysRedactor(1000)
	body := []byte(strings.Repeat(`{"choices":[{"delta":{"content":"a few tokens of an answer"}}]}`, 64))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if out := r.bytes(body); len(out) != len(body) {
			b.Fatal("changed")
		}
	}
}

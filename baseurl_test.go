package lifeline_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lifelinehq/lifeline"
)

// A base URL may carry a query that every request needs (Azure OpenAI's
// api-version): the API path goes before it, and the query is sent as it
// is, also when the path ends in a slash.
func TestBaseURLQueryIsKept(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		got <- r.URL.Path + " ? " + r.URL.RawQuery
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}`)
	}))
	defer srv.Close()
	for _, base := range []string{
		srv.URL + "/openai/deployments/gpt-4o?api-version=2024-10-21",
		srv.URL + "/openai/deployments/gpt-4o/?api-version=2024-10-21",
	} {
		e := lifeline.New()
		route, err := e.NewRoute("azure", []lifeline.Target{{Provider: &lifeline.Provider{
			Name: "azure", Kind: lifeline.OpenAI, BaseURL: base,
			Header: http.Header{"Api-Key": {"k"}},
		}, Model: "gpt-4o"}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.Do(context.Background(), route, &lifeline.Request{Dialect: lifeline.OpenAI,
			Body: []byte(`{"model":"azure","messages":[{"role":"user","content":"hi"}]}`)})
		if err != nil {
			t.Fatalf("base %s: %v", base, err)
		}
		want := "/openai/deployments/gpt-4o/chat/completions ? api-version=2024-10-21"
		if g := <-got; g != want {
			t.Errorf("base %s: the upstream got %q, want %q", base, g, want)
		}
	}
}

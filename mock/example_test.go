package mock_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/lifelinehq/lifeline/mock"
)

// Start a mock provider in-process, force a fault on one request, and
// check in the ledger what was sent.
func ExampleListen() {
	run, err := mock.Listen("127.0.0.1:0", mock.Config{Seed: 1})
	if err != nil {
		panic(err)
	}
	defer run.Close()

	body := `{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}`
	req, _ := http.NewRequest(http.MethodPost, run.URL+"/v1/messages", strings.NewReader(body))
	req.Header.Set("X-Mock-Fault", "overloaded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, strings.Contains(string(b), `"overloaded_error"`))

	resp, err = http.Post(run.URL+"/v1/messages", "application/json", strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	for _, e := range run.Server.Ledger() {
		fmt.Println(e.Seq, e.Status, e.Fault, e.Valid)
	}
	st := run.Server.Stats()
	fmt.Println(st.Requests, st.Valid, st.Invalid)
	// Output:
	// 529 true
	// 0 529 overloaded false
	// 1 200 none true
	// 2 1 1
}

// A fault mix drawn from a seed: the n-th request's fault is a pure
// function of the seed and n.
func ExampleServer_FaultOf() {
	srv, err := mock.New(mock.Config{Seed: 7, Faults: map[mock.Fault]float64{mock.RateLimit: 0.5}})
	if err != nil {
		panic(err)
	}
	again, _ := mock.New(mock.Config{Seed: 7, Faults: map[mock.Fault]float64{mock.RateLimit: 0.5}})
	same := true
	for n := range uint64(100) {
		same = same && srv.FaultOf(n) == again.FaultOf(n)
	}
	fmt.Println(same)
	// Output:
	// true
}

// A model with a schema of its own answers a plain request with JSON that
// fits it, as a route that validates answers against a schema expects.
func ExampleConfig_schemas() {
	srv, err := mock.New(mock.Config{Schemas: map[string]mock.Schema{
		"json-model": mock.Schema(`{"type":"object","required":["answer"],"properties":{"answer":{"type":"string"}}}`),
	}})
	if err != nil {
		panic(err)
	}
	body := `{"model":"json-model","messages":[{"role":"user","content":"hi"}]}`
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body)))
	var out struct {
		Choices []struct{ Message struct{ Content string } }
	}
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	fmt.Println(out.Choices[0].Message.Content)
	// Output:
	// {"answer":"example answer"}
}

// A request the real API refuses gets the provider's 400.
func ExampleServer_refused() {
	srv, _ := mock.New(mock.Config{})
	body := `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]}`
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/messages", strings.NewReader(body)))
	fmt.Println(w.Code, strings.Contains(w.Body.String(), `"message":"max_tokens: Field required"`))
	// Output:
	// 400 true
}

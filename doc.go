// Package lifeline is the reliability layer between an AI agent and model
// APIs. It classifies every upstream outcome (a 429 means wait, a 529 means
// reroute, a 400 means stop), retries only what is retryable with jittered
// backoff that honours the provider's hints and the caller's deadline,
// falls back along a chain of targets when an answer fails validation, not
// only when the status line says so, and trips a circuit breaker per target
// during an outage.
//
// The library has two faces over one Engine:
//
//   - a typed API: Engine.Do runs a request through a Route;
//   - an http.RoundTripper (Engine.Transport) that applies a Route's policy
//     to requests made by any *http.Client, including the official openai-go
//     and anthropic-sdk-go clients (configure them with max retries 0).
//
// The gateway (lifeline serve) is built on the same Engine.
//
// A Route's policy takes its parts from the subpackages: backoff (the
// retry schedule and the providers' wait hints), budget (the retry budget),
// breaker (the circuit breaker's settings) and validate (what makes a 2xx
// answer usable). The engine keeps breakers, cool-downs and budgets in a
// store.Store: by default one in memory for the process (store/memory);
// store/redis shares them between processes (WithStore). Package mock is a
// fault-injecting fake provider for tests; classify, wire, translate and
// sse are the pieces the engine is built from.
package lifeline

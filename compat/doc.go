// Package compat is lifeline's SDK compatibility suite. It holds no code
// of its own: its tests drive the official clients, as strict parsers of
// both wire formats, against lifeline with misbehaving upstreams behind it.
//
// Go: github.com/openai/openai-go/v3 and github.com/anthropics/anthropic-sdk-go/v2,
// both as base-URL clients of a gateway started in-process on a loopback
// listener, and over the library's http.RoundTripper (Engine.Transport).
// Node: the npm packages openai and @anthropic-ai/sdk, pinned in
// node/package-lock.json, as base-URL clients of the same in-process
// gateway; TestNode runs `node --test` on node/test/*.test.mjs, and
// TestNodeAgentExample runs examples/node-agent. The suite's own checks of
// docs/metrics.md and docs/headers.md against the gateway and the code, and
// the compiled snippets of docs/library.md, live here too.
//
// The upstreams are mock providers (package mock) of both dialects, in
// chains of one dialect and across dialects. A test forces one fault on a
// request with the X-Mock-Fault header, which lifeline forwards to the
// first target; the backup targets are configured with the provider
// header X-Mock-Fault: none, which overrides it, so they answer cleanly.
//
// Each SDK, each face, covers: a non-streaming answer, a stream, a tool
// call and its result, structured JSON output, a fallback served by the
// second target, a lifeline error surfacing as the SDK's typed error with
// the right status, and a stream cut after its first byte surfacing as an
// error. The gateway's clients run at the SDK's default max retries; the
// RoundTripper's run both as docs/library.md configures them (the SDK's
// HTTP-client option, max retries 0) and at the SDK's default max retries.
// Every case asserts how many requests the SDK sent and how many calls
// each upstream received: lifeline's x-should-retry: false must keep an SDK
// at its default max retries from multiplying lifeline's own retries.
//
// Node runs when node and node/node_modules are present (`npm ci --prefix
// compat/node`); otherwise TestNode skips, unless LIFELINE_REQUIRE_NODE=1
// (as CI sets), when it fails. The Node test files need the gateway
// TestNode starts: run on their own (`npm test` in compat/node runs
// TestNode), they fail rather than skip.
package compat

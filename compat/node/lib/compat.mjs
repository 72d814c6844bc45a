// Shared fixtures of the Node compatibility tests (test/*.test.mjs). The
// Go test TestNode (in compat/node_test.go) starts a lifeline gateway
// in-process, with mock providers behind it, and runs those files with
// LIFELINE_URL set to the gateway's base URL. The routes and upstreams
// are those of compatConfig in compat/env_test.go.
import assert from 'node:assert/strict';

/** The gateway's base URL, without /v1. */
export const gatewayURL = process.env.LIFELINE_URL;

// Without a gateway every case would have nothing to check: fail, never
// skip, so that a run without one cannot pass.
if (!gatewayURL) {
  throw new Error('LIFELINE_URL is not set: these tests need the gateway that TestNode starts; '
    + 'run them with `go test ./compat -run TestNode` from the repository root (or `npm test` here)');
}

/** The text a mock provider answers with. */
export const textOf = (upstream) =>
  `Hello from ${upstream}. This answer arrives in several stream events.`;

const models = { 'openai-a': 'gpt-a', 'openai-b': 'gpt-b', 'anthropic-a': 'claude-a', 'anthropic-b': 'claude-b' };

/** The target name ("provider/model") of an upstream, as X-Lifeline-Target says it. */
export const targetOf = (upstream) => `${upstream}/${models[upstream]}`;

/**
 * The routes a client of one dialect sees: targets of its own dialect
 * (same), of the other one (cross: every answer is translated), and a
 * fallback from its dialect to the other (mixed).
 */
export function chainsFor(dialect) {
  const other = dialect === 'openai' ? 'anthropic' : 'openai';
  return [
    { kind: 'same', route: dialect, primary: `${dialect}-a`, backup: `${dialect}-b` },
    { kind: 'cross', route: other, primary: `${other}-a`, backup: `${other}-b` },
    { kind: 'mixed', route: `${dialect}-then-${other}`, primary: `${dialect}-a`, backup: `${other}-b` },
  ];
}

/** The one-target route of a dialect's primary. */
export const soloFor = (dialect) => ({ kind: 'solo', route: `solo-${dialect}`, primary: `${dialect}-a` });

/** The tool every tool-call case offers. */
export const weatherTool = 'get_weather';
export const weatherParams = {
  type: 'object',
  properties: {
    city: { type: 'string', minLength: 1 },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
  },
  required: ['city'],
  additionalProperties: false,
};

/** The structured output every JSON case asks for. */
export const answerSchema = {
  type: 'object',
  properties: {
    answer: { type: 'string' },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
  },
  required: ['answer', 'confidence'],
  additionalProperties: false,
};

/** Asserts that args (a JSON string or an object) satisfies weatherParams. */
export function checkWeatherArgs(args) {
  const v = typeof args === 'string' ? JSON.parse(args) : args;
  assert.equal(typeof v.city, 'string');
  assert.ok(v.city.length > 0, 'city is empty');
  for (const [k, val] of Object.entries(v)) {
    if (k === 'unit') assert.ok(['celsius', 'fahrenheit'].includes(val), `unit ${val}`);
    else assert.equal(k, 'city', `unexpected property ${k}`);
  }
}

/** Asserts that text is a JSON object that satisfies answerSchema. */
export function checkAnswerJSON(text) {
  const v = JSON.parse(text);
  assert.equal(typeof v.answer, 'string');
  assert.equal(typeof v.confidence, 'number');
  assert.ok(v.confidence >= 0 && v.confidence <= 1, `confidence ${v.confidence}`);
  assert.deepEqual(Object.keys(v).sort(), ['answer', 'confidence']);
}

/** Asserts lifeline's response headers: route, serving target, attempts. */
export function checkServed(headers, route, target, attempts) {
  assert.deepEqual(
    [headers.get('x-lifeline-route'), headers.get('x-lifeline-target'), headers.get('x-lifeline-attempts')],
    [route, target, String(attempts)],
  );
}

/** The counters of the test harness: requests the gateway received and calls each upstream received. */
export async function stats() {
  const res = await fetch(`${gatewayURL}/_compat/stats`);
  assert.equal(res.status, 200);
  return res.json();
}

/**
 * Takes the counters now; the returned function asserts that since then
 * the SDK sent `calls` requests and each upstream received the given
 * number of calls (the others none).
 */
export async function mark() {
  const before = await stats();
  return async (calls, upstreams) => {
    const now = await stats();
    assert.equal(now.calls - before.calls, calls, 'requests the SDK sent to the gateway');
    const got = {};
    for (const [name, n] of Object.entries(now.upstreams)) {
      const d = n - (before.upstreams[name] ?? 0);
      if (d > 0) got[name] = d;
    }
    assert.deepEqual(got, upstreams, 'calls each upstream received');
  };
}

/**
 * The ways a first target fails before the second serves. An OpenAI
 * server_error event inside a stream is transient: the primary gets
 * max_attempts (3) attempts before the fallback.
 */
export const fallbackCases = [
  { name: 'overloaded', stream: false, fault: 'overloaded' },
  { name: 'overloaded/stream', stream: true, fault: 'overloaded' },
  { name: 'error-event/stream', stream: true, fault: 'stream_error_before' },
];

export const primaryAttempts = (c, primary) =>
  c.fault === 'stream_error_before' && primary.startsWith('openai') ? 3 : 1;

/** Errors lifeline answers after applying its policy, on a one-target route. */
export const errorCases = [
  { name: 'upstream_unavailable', headers: { 'X-Mock-Fault': 'server_error' }, status: 503, type: 'upstream_unavailable', upstream: 3 },
  { name: 'upstream_unavailable/stream', stream: true, headers: { 'X-Mock-Fault': 'server_error' }, status: 503, type: 'upstream_unavailable', upstream: 3 },
  { name: 'rejected', headers: { 'X-Mock-Fault': 'bad_request' }, status: 400, type: 'invalid_request_error', upstream: 1 },
  { name: 'invalid_output', json: true, headers: { 'X-Mock-Fault': 'bad_schema' }, status: 502, type: 'invalid_output', upstream: 1 },
  { name: 'deadline_exceeded', headers: { 'X-Mock-Fault': 'hang', 'X-Lifeline-Timeout': '300ms' }, status: 504, type: 'deadline_exceeded', upstream: 1 },
];

/** Stream faults after the first content event. */
export const brokenCases = [
  { fault: 'stream_error_after', arg: 'server_error:2' },
  { fault: 'cut', arg: '4' },
];

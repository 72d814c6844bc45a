// The Node compatibility cases, written once and run through each SDK:
// openai.test.mjs and anthropic.test.mjs each describe their SDK and call
// compatSuite with it. This file defines no tests of its own.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  brokenCases, chainsFor, checkAnswerJSON, checkServed, checkWeatherArgs, errorCases,
  fallbackCases, mark, primaryAttempts, soloFor, targetOf, textOf, weatherTool,
} from '../lib/compat.mjs';

/**
 * @typedef {{ text: string, role?: string, finish: string | null, usage?: { input: number, output: number },
 *   calls?: { id: string, type: string, name: string, args: string | object }[] }} Reply
 *
 * @typedef {object} SDK One npm SDK as the cases drive it.
 * @property {string} name the SDK's wire dialect, 'openai' or 'anthropic'; it names the suites
 * @property {string} stop the finish (OpenAI) or stop (Anthropic) reason of a text answer
 * @property {string} toolStop that of an answer that calls a tool
 * @property {string} toolType the type of a tool call (OpenAI) or of its content block (Anthropic)
 * @property {Function} APIError the SDK's base class of API errors
 * @property {Function} NotFoundError the SDK's class of a 404
 * @property {(status: number) => Function} errorClass the SDK's class of an error status
 * @property {((err: Error) => object[]) | null} attempts the attempts of lifeline's error body as the
 *   SDK's error keeps them; null when the SDK does not keep that part of the body
 * @property {(route: string) => object} hello a plain request body
 * @property {(route: string) => object} withSchema a request body asking for JSON of answerSchema
 * @property {(route: string) => object} withTool a request body offering the weather tool
 * @property {(body: object, options?: object) => Promise<object>} create the SDK's create (an APIPromise)
 * @property {(body: object, options?: object) => Promise<object>} stream create of a raw stream (an APIPromise)
 * @property {(body: object) => Promise<object>} helper the final answer of the SDK's stream helper
 * @property {(answer: object) => Reply} read reads a whole answer
 * @property {(out: Reply, event: object) => void} readEvent adds one stream event to out
 * @property {(events: object[]) => void} checkEvents asserts the SDK-specific order of a whole stream
 * @property {(body: object, answer: object, id: string, result: string) => object} withToolResult
 *   the next request body: the answer and the tool call id's result appended, tools no longer allowed
 */

const fault = (name, arg) => ({ headers: arg ? { 'X-Mock-Fault': name, 'X-Mock-Fault-Arg': arg } : { 'X-Mock-Fault': name } });

/** Asserts usage the answer reports: input and output tokens both positive. */
function checkUsage(usage) {
  assert.ok(usage?.input > 0 && usage?.output > 0, JSON.stringify(usage));
}

/** Sends body without streaming; returns the reply and the response headers. */
async function send(sdk, body, options) {
  const { data, response } = await sdk.create(body, options).withResponse();
  return { ...sdk.read(data), headers: response.headers };
}

/**
 * Streams body with the SDK's raw iterator into out and checks the order
 * of its events. When the stream fails, out keeps what arrived before.
 */
async function streamed(sdk, body, options, out = { text: '', finish: null }) {
  const { data: stream, response } = await sdk.stream(body, options).withResponse();
  out.headers = response.headers;
  const events = [];
  for await (const ev of stream) {
    events.push(ev);
    sdk.readEvent(out, ev);
  }
  sdk.checkEvents(events);
  return out;
}

const variant = (kind, stream) => `${kind}${stream ? '/stream' : ''}`;

/** Defines every compatibility suite for sdk. */
export function compatSuite(sdk) {
  /** A plain answer, sent by run (send or streamed), is the first target's. */
  async function checkAnswer(ch, run) {
    const check = await mark();
    const r = await run(sdk, sdk.hello(ch.route));
    assert.equal(r.text, textOf(ch.primary));
    assert.equal(r.role, 'assistant');
    assert.equal(r.finish, sdk.stop);
    checkUsage(r.usage);
    checkServed(r.headers, ch.route, targetOf(ch.primary), 1);
    await check(1, { [ch.primary]: 1 });
  }

  describe(`${sdk.name}: text`, () => {
    for (const ch of chainsFor(sdk.name).slice(0, 2)) test(ch.kind, () => checkAnswer(ch, send));
  });

  describe(`${sdk.name}: stream`, () => {
    for (const ch of chainsFor(sdk.name).slice(0, 2)) {
      test(ch.kind, () => checkAnswer(ch, streamed));
      // The SDK's stream helper checks the event sequence as it accumulates.
      test(`${ch.kind}/helper`, async () => {
        const check = await mark();
        const r = sdk.read(await sdk.helper(sdk.hello(ch.route)));
        assert.equal(r.text, textOf(ch.primary));
        assert.equal(r.finish, sdk.stop);
        checkUsage(r.usage);
        await check(1, { [ch.primary]: 1 });
      });
    }
  });

  describe(`${sdk.name}: tool call`, () => {
    for (const ch of chainsFor(sdk.name).slice(0, 2)) {
      for (const stream of [false, true]) {
        test(variant(ch.kind, stream), async () => {
          const check = await mark();
          const body = sdk.withTool(ch.route);
          const answer = stream ? await sdk.helper(body) : await sdk.create(body);
          const r = sdk.read(answer);
          assert.equal(r.finish, sdk.toolStop);
          assert.equal(r.calls.length, 1, JSON.stringify(answer));
          const call = r.calls[0];
          assert.ok(call.id, 'tool call id');
          assert.equal(call.type, sdk.toolType);
          assert.equal(call.name, weatherTool);
          checkWeatherArgs(call.args);

          // The tool's result goes back; the model must answer in text.
          const next = sdk.read(await sdk.create(sdk.withToolResult(body, answer, call.id, '{"temperature_c":21}')));
          assert.equal(next.text, textOf(ch.primary));
          assert.equal(next.finish, sdk.stop);
          await check(2, { [ch.primary]: 2 });
        });
      }
    }
  });

  describe(`${sdk.name}: structured output`, () => {
    for (const ch of chainsFor(sdk.name)) {
      for (const stream of [false, true]) {
        const run = (options) => (stream ? streamed : send)(sdk, sdk.withSchema(ch.route), options);
        if (ch.kind !== 'mixed') {
          test(variant(ch.kind, stream), async () => {
            const check = await mark();
            const { text, headers } = await run();
            checkAnswerJSON(text);
            checkServed(headers, ch.route, targetOf(ch.primary), 1);
            await check(1, { [ch.primary]: 1 });
          });
        }
        // An answer that breaks the schema is never returned: the second target serves.
        test(`${variant(ch.kind, stream)}/invalid-first`, async () => {
          const check = await mark();
          const { text, headers } = await run(fault('bad_schema'));
          checkAnswerJSON(text);
          checkServed(headers, ch.route, targetOf(ch.backup), 2);
          await check(1, { [ch.primary]: 1, [ch.backup]: 1 });
        });
      }
    }
  });

  // On a stream the reroute is invisible: streamed checks the event order.
  describe(`${sdk.name}: fallback to the second target`, () => {
    for (const ch of chainsFor(sdk.name)) {
      for (const c of fallbackCases) {
        test(`${ch.kind}/${c.name}`, async () => {
          const check = await mark();
          const { text, headers } = await (c.stream ? streamed : send)(sdk, sdk.hello(ch.route), fault(c.fault));
          assert.equal(text, textOf(ch.backup));
          const n = primaryAttempts(c, ch.primary);
          checkServed(headers, ch.route, targetOf(ch.backup), n + 1);
          await check(1, { [ch.primary]: n, [ch.backup]: 1 });
        });
      }
    }
  });

  describe(`${sdk.name}: lifeline errors are typed SDK errors, not retried by the SDK`, () => {
    for (const dialect of ['openai', 'anthropic']) {
      const ch = soloFor(dialect);
      for (const c of errorCases) {
        test(`${dialect}/${c.name}`, async () => {
          const check = await mark();
          const options = { headers: c.headers };
          let call;
          if (c.stream) call = streamed(sdk, sdk.hello(ch.route), options);
          else if (c.json) call = sdk.create(sdk.withSchema(ch.route), options);
          else call = sdk.create(sdk.hello(ch.route), options);
          await assert.rejects(call, (err) => {
            assert.ok(err instanceof sdk.APIError, `${err?.constructor?.name}: ${err}`);
            assert.ok(err instanceof sdk.errorClass(c.status), err.constructor.name);
            assert.equal(err.status, c.status);
            assert.equal(err.type, c.type);
            assert.equal(err.headers.get('x-should-retry'), 'false');
            assert.equal(err.headers.get('x-lifeline-route'), ch.route);
            if (sdk.attempts) {
              // The body's "lifeline" member lists every attempt.
              const attempts = sdk.attempts(err);
              assert.equal(attempts?.length, c.upstream, JSON.stringify(err.error));
              assert.ok(attempts.every((a) => a.target === targetOf(ch.primary)), JSON.stringify(attempts));
            }
            return true;
          });
          await check(1, { [ch.primary]: c.upstream });
        });
      }
    }
    test('model_not_found', async () => {
      const check = await mark();
      await assert.rejects(sdk.create(sdk.hello('no-such-route')), (err) => {
        assert.ok(err instanceof sdk.NotFoundError, `${err?.constructor?.name}: ${err}`);
        assert.equal(err.type, 'model_not_found');
        return true;
      });
      await check(1, {});
    });
  });

  // The SDKs' idempotencyKey request option sends no header (neither client
  // names one): the key goes in the request options' headers.
  describe(`${sdk.name}: Idempotency-Key`, () => {
    for (const ch of chainsFor(sdk.name).slice(0, 2)) {
      for (const stream of [false, true]) {
        test(`${variant(ch.kind, stream)}/header`, async () => {
          const check = await mark();
          const options = { headers: { 'Idempotency-Key': `node-${sdk.name}-${ch.kind}-${stream}` } };
          const run = () => (stream ? streamed : send)(sdk, sdk.hello(ch.route), options);
          const first = await run();
          const again = await run();
          assert.equal(again.text, first.text);
          assert.equal(again.headers.get('idempotent-replayed'), 'true');
          await check(2, { [ch.primary]: 1 });
        });
      }
      test(`${ch.kind}/idempotencyKey option sends none`, async () => {
        const check = await mark();
        const options = { idempotencyKey: `node-option-${sdk.name}-${ch.kind}` };
        for (let i = 0; i < 2; i++) {
          const r = await send(sdk, sdk.hello(ch.route), options);
          assert.equal(r.headers.get('idempotent-replayed'), null);
        }
        await check(2, { [ch.primary]: 2 });
      });
    }
  });

  describe(`${sdk.name}: a stream cut after its first byte ends in an error`, () => {
    for (const ch of chainsFor(sdk.name).slice(0, 2)) {
      for (const c of brokenCases) {
        test(`${ch.kind}/${c.fault}`, async () => {
          const check = await mark();
          const out = { text: '', finish: null };
          await assert.rejects(streamed(sdk, sdk.hello(ch.route), fault(c.fault, c.arg), out), sdk.APIError);
          // Text arrived, so the error came from the stream, after its first byte.
          const { text } = out;
          assert.ok(text.length > 0 && text !== textOf(ch.primary) && textOf(ch.primary).startsWith(text), `text before the cut: ${text}`);
          await check(1, { [ch.primary]: 1 });
        });
      }
    }
  });
}

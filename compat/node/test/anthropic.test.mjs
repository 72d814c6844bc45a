// The @anthropic-ai/sdk npm package as a base-URL client of the lifeline
// gateway, at its default max retries (2).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import {
  answerSchema, brokenCases, chainsFor, checkAnswerJSON, checkServed, checkWeatherArgs, errorCases,
  fallbackCases, gatewayURL, mark, primaryAttempts, soloFor, suite, targetOf, textOf, weatherParams, weatherTool,
} from '../lib/compat.mjs';

const client = () => new Anthropic({ baseURL: gatewayURL, apiKey: 'unused' });

const hello = (route) => ({ model: route, max_tokens: 256, messages: [{ role: 'user', content: 'Say hello.' }] });

const withTool = (route) => ({
  model: route,
  max_tokens: 256,
  messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
  tools: [{ name: weatherTool, description: 'Current weather of a city.', input_schema: weatherParams }],
});

const withSchema = (route) => ({
  model: route,
  max_tokens: 256,
  messages: [{ role: 'user', content: 'Answer in JSON: is water wet?' }],
  output_config: { format: { type: 'json_schema', schema: answerSchema } },
});

const fault = (name, arg) => ({ headers: arg ? { 'X-Mock-Fault': name, 'X-Mock-Fault-Arg': arg } : { 'X-Mock-Fault': name } });

const textOfMessage = (m) => m.content.filter((b) => b.type === 'text').map((b) => b.text).join('');

/** Streams a request with the SDK's event iterator; returns the text, stop reason, event types and headers. */
async function streamed(body, options) {
  const { data: stream, response } = await client().messages.create({ ...body, stream: true }, options).withResponse();
  const out = { text: '', stop: null, types: [], headers: response.headers };
  for await (const ev of stream) {
    out.types.push(ev.type);
    if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') out.text += ev.delta.text;
    if (ev.type === 'message_delta') out.stop = ev.delta.stop_reason;
  }
  return out;
}

/** Asserts a well-formed event sequence: one message_start first, message_stop last. */
function checkSequence(types) {
  assert.equal(types[0], 'message_start', types.join(','));
  assert.equal(types.filter((t) => t === 'message_start').length, 1, types.join(','));
  assert.equal(types.at(-1), 'message_stop', types.join(','));
}

describe('anthropic: text', suite, () => {
  for (const ch of chainsFor('anthropic').slice(0, 2)) {
    test(ch.kind, async () => {
      const check = await mark();
      const { data, response } = await client().messages.create(hello(ch.route)).withResponse();
      assert.equal(textOfMessage(data), textOf(ch.primary));
      assert.equal(data.role, 'assistant');
      assert.equal(data.stop_reason, 'end_turn');
      assert.ok(data.usage.input_tokens > 0 && data.usage.output_tokens > 0, JSON.stringify(data.usage));
      checkServed(response.headers, ch.route, targetOf(ch.primary), 1);
      await check(1, { [ch.primary]: 1 });
    });
  }
});

describe('anthropic: stream', suite, () => {
  for (const ch of chainsFor('anthropic').slice(0, 2)) {
    test(ch.kind, async () => {
      const check = await mark();
      const s = await streamed(hello(ch.route));
      assert.equal(s.text, textOf(ch.primary));
      assert.equal(s.stop, 'end_turn');
      checkSequence(s.types);
      checkServed(s.headers, ch.route, targetOf(ch.primary), 1);
      await check(1, { [ch.primary]: 1 });
    });
    // The SDK's MessageStream checks the event order as it accumulates.
    test(`${ch.kind}/helper`, async () => {
      const check = await mark();
      const final = await client().messages.stream(hello(ch.route)).finalMessage();
      assert.equal(textOfMessage(final), textOf(ch.primary));
      assert.equal(final.stop_reason, 'end_turn');
      assert.ok(final.usage.output_tokens > 0, JSON.stringify(final.usage));
      await check(1, { [ch.primary]: 1 });
    });
  }
});

describe('anthropic: tool call', suite, () => {
  for (const ch of chainsFor('anthropic').slice(0, 2)) {
    for (const stream of [false, true]) {
      test(`${ch.kind}${stream ? '/stream' : ''}`, async () => {
        const check = await mark();
        const body = withTool(ch.route);
        const message = stream
          ? await client().messages.stream(body).finalMessage()
          : await client().messages.create(body);
        assert.equal(message.stop_reason, 'tool_use');
        const uses = message.content.filter((b) => b.type === 'tool_use');
        assert.equal(uses.length, 1, JSON.stringify(message.content));
        const use = uses[0];
        assert.ok(use.id, 'tool use id');
        assert.equal(use.name, weatherTool);
        checkWeatherArgs(use.input);

        // The tool's result goes back; the model must answer in text.
        const next = await client().messages.create({
          ...body,
          messages: [
            ...body.messages,
            { role: 'assistant', content: message.content },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '{"temperature_c":21}' }] },
          ],
          tool_choice: { type: 'none' },
        });
        assert.equal(textOfMessage(next), textOf(ch.primary));
        assert.equal(next.stop_reason, 'end_turn');
        await check(2, { [ch.primary]: 2 });
      });
    }
  }
});

describe('anthropic: structured output', suite, () => {
  for (const ch of chainsFor('anthropic')) {
    for (const stream of [false, true]) {
      const run = async (options) => {
        if (!stream) {
          const { data, response } = await client().messages.create(withSchema(ch.route), options).withResponse();
          return { text: textOfMessage(data), headers: response.headers };
        }
        return streamed(withSchema(ch.route), options);
      };
      if (ch.kind !== 'mixed') {
        test(`${ch.kind}${stream ? '/stream' : ''}`, async () => {
          const check = await mark();
          const { text, headers } = await run();
          checkAnswerJSON(text);
          checkServed(headers, ch.route, targetOf(ch.primary), 1);
          await check(1, { [ch.primary]: 1 });
        });
      }
      // An answer that breaks the schema is never returned: the second target serves.
      test(`${ch.kind}${stream ? '/stream' : ''}/invalid-first`, async () => {
        const check = await mark();
        const { text, headers } = await run(fault('bad_schema'));
        checkAnswerJSON(text);
        checkServed(headers, ch.route, targetOf(ch.backup), 2);
        await check(1, { [ch.primary]: 1, [ch.backup]: 1 });
      });
    }
  }
});

describe('anthropic: fallback to the second target', suite, () => {
  for (const ch of chainsFor('anthropic')) {
    for (const c of fallbackCases) {
      test(`${ch.kind}/${c.name}`, async () => {
        const check = await mark();
        let text, headers;
        if (c.stream) {
          const s = await streamed(hello(ch.route), fault(c.fault));
          checkSequence(s.types); // the reroute is invisible: one message_start
          ({ text, headers } = s);
        } else {
          const { data, response } = await client().messages.create(hello(ch.route), fault(c.fault)).withResponse();
          text = textOfMessage(data);
          headers = response.headers;
        }
        assert.equal(text, textOf(ch.backup));
        const n = primaryAttempts(c, ch.primary);
        checkServed(headers, ch.route, targetOf(ch.backup), n + 1);
        await check(1, { [ch.primary]: n, [ch.backup]: 1 });
      });
    }
  }
});

const errorClass = {
  400: Anthropic.BadRequestError,
  502: Anthropic.InternalServerError,
  503: Anthropic.ServiceUnavailableError,
  504: Anthropic.GatewayTimeoutError,
};

describe('anthropic: lifeline errors are typed SDK errors, not retried by the SDK', suite, () => {
  for (const dialect of ['anthropic', 'openai']) {
    const ch = soloFor(dialect);
    for (const c of errorCases) {
      test(`${dialect}/${c.name}`, async () => {
        const check = await mark();
        let call;
        if (c.stream) call = streamed(hello(ch.route), { headers: c.headers });
        else if (c.json) call = client().messages.create(withSchema(ch.route), { headers: c.headers });
        else call = client().messages.create(hello(ch.route), { headers: c.headers });
        await assert.rejects(call, (err) => {
          assert.ok(err instanceof errorClass[c.status], `${err?.constructor?.name}: ${err}`);
          assert.equal(err.status, c.status);
          assert.equal(err.type, c.type);
          assert.equal(err.headers.get('x-should-retry'), 'false');
          assert.equal(err.headers.get('x-lifeline-route'), ch.route);
          // The body's "lifeline" member lists every attempt.
          const attempts = err.error?.lifeline?.attempts;
          assert.equal(attempts?.length, c.upstream, JSON.stringify(err.error));
          assert.ok(attempts.every((a) => a.target === targetOf(ch.primary)), JSON.stringify(attempts));
          return true;
        });
        await check(1, { [ch.primary]: c.upstream });
      });
    }
  }
  test('model_not_found', async () => {
    const check = await mark();
    await assert.rejects(client().messages.create(hello('no-such-route')), (err) => {
      assert.ok(err instanceof Anthropic.NotFoundError, `${err?.constructor?.name}: ${err}`);
      assert.equal(err.type, 'model_not_found');
      return true;
    });
    await check(1, {});
  });
});

describe('anthropic: a stream cut after its first byte ends in an error', suite, () => {
  for (const ch of chainsFor('anthropic').slice(0, 2)) {
    for (const c of brokenCases) {
      test(`${ch.kind}/${c.fault}`, async () => {
        const check = await mark();
        const { data: stream } = await client().messages.create({ ...hello(ch.route), stream: true }, fault(c.fault, c.arg)).withResponse();
        let text = '';
        await assert.rejects(async () => {
          for await (const ev of stream) {
            if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
          }
        }, Anthropic.APIError);
        assert.ok(text.length > 0 && text !== textOf(ch.primary) && textOf(ch.primary).startsWith(text), `text before the cut: ${text}`);
        await check(1, { [ch.primary]: 1 });
      });
    }
  }
});

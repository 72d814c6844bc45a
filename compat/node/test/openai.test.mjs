// The openai npm package as a base-URL client of the lifeline gateway, at
// its default max retries (2).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import OpenAI from 'openai';
import {
  answerSchema, brokenCases, chainsFor, checkAnswerJSON, checkServed, checkWeatherArgs, errorCases,
  fallbackCases, gatewayURL, mark, primaryAttempts, soloFor, suite, targetOf, textOf, weatherParams, weatherTool,
} from '../lib/compat.mjs';

const client = () => new OpenAI({ baseURL: `${gatewayURL}/v1`, apiKey: 'unused' });

const hello = (route) => ({ model: route, messages: [{ role: 'user', content: 'Say hello.' }] });

const withTool = (route) => ({
  model: route,
  messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
  tools: [{ type: 'function', function: { name: weatherTool, description: 'Current weather of a city.', parameters: weatherParams } }],
});

const withSchema = (route) => ({
  model: route,
  messages: [{ role: 'user', content: 'Answer in JSON: is water wet?' }],
  response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: answerSchema, strict: true } },
});

const fault = (name, arg) => ({ headers: arg ? { 'X-Mock-Fault': name, 'X-Mock-Fault-Arg': arg } : { 'X-Mock-Fault': name } });

/** Streams a request with the SDK's iterator; returns text, finish reason, usage and headers. */
async function streamed(body, options) {
  const { data: stream, response } = await client()
    .chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, options)
    .withResponse();
  const out = { text: '', finish: null, usage: null, headers: response.headers, chunks: 0 };
  for await (const chunk of stream) {
    out.chunks++;
    for (const c of chunk.choices) {
      out.text += c.delta?.content ?? '';
      if (c.finish_reason) out.finish = c.finish_reason;
    }
    if (chunk.usage) out.usage = chunk.usage;
  }
  return out;
}

describe('openai: text', suite, () => {
  for (const ch of chainsFor('openai').slice(0, 2)) {
    test(ch.kind, async () => {
      const check = await mark();
      const { data, response } = await client().chat.completions.create(hello(ch.route)).withResponse();
      assert.equal(data.choices[0].message.content, textOf(ch.primary));
      assert.equal(data.choices[0].finish_reason, 'stop');
      assert.ok(data.usage.prompt_tokens > 0 && data.usage.completion_tokens > 0, JSON.stringify(data.usage));
      checkServed(response.headers, ch.route, targetOf(ch.primary), 1);
      await check(1, { [ch.primary]: 1 });
    });
  }
});

describe('openai: stream', suite, () => {
  for (const ch of chainsFor('openai').slice(0, 2)) {
    test(ch.kind, async () => {
      const check = await mark();
      const s = await streamed(hello(ch.route));
      assert.equal(s.text, textOf(ch.primary));
      assert.equal(s.finish, 'stop');
      assert.ok(s.usage?.total_tokens > 0, JSON.stringify(s.usage));
      checkServed(s.headers, ch.route, targetOf(ch.primary), 1);
      await check(1, { [ch.primary]: 1 });
    });
    // The SDK's stream helper checks the chunk sequence as it accumulates.
    test(`${ch.kind}/helper`, async () => {
      const check = await mark();
      const final = await client().chat.completions.stream(hello(ch.route)).finalChatCompletion();
      assert.equal(final.choices[0].message.content, textOf(ch.primary));
      assert.equal(final.choices[0].finish_reason, 'stop');
      await check(1, { [ch.primary]: 1 });
    });
  }
});

describe('openai: tool call', suite, () => {
  for (const ch of chainsFor('openai').slice(0, 2)) {
    for (const stream of [false, true]) {
      test(`${ch.kind}${stream ? '/stream' : ''}`, async () => {
        const check = await mark();
        const body = withTool(ch.route);
        const completion = stream
          ? await client().chat.completions.stream(body).finalChatCompletion()
          : await client().chat.completions.create(body);
        const { message, finish_reason: finish } = completion.choices[0];
        assert.equal(finish, 'tool_calls');
        assert.equal(message.tool_calls?.length, 1, JSON.stringify(message));
        const call = message.tool_calls[0];
        assert.ok(call.id, 'tool call id');
        assert.equal(call.type, 'function');
        assert.equal(call.function.name, weatherTool);
        checkWeatherArgs(call.function.arguments);

        // The tool's result goes back; the model must answer in text.
        const next = await client().chat.completions.create({
          ...body,
          messages: [...body.messages, message, { role: 'tool', tool_call_id: call.id, content: '{"temperature_c":21}' }],
          tool_choice: 'none',
        });
        assert.equal(next.choices[0].message.content, textOf(ch.primary));
        assert.equal(next.choices[0].finish_reason, 'stop');
        await check(2, { [ch.primary]: 2 });
      });
    }
  }
});

describe('openai: structured output', suite, () => {
  for (const ch of chainsFor('openai')) {
    for (const stream of [false, true]) {
      const run = async (options) => {
        if (!stream) {
          const { data, response } = await client().chat.completions.create(withSchema(ch.route), options).withResponse();
          return { text: data.choices[0].message.content, headers: response.headers };
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

describe('openai: fallback to the second target', suite, () => {
  for (const ch of chainsFor('openai')) {
    for (const c of fallbackCases) {
      test(`${ch.kind}/${c.name}`, async () => {
        const check = await mark();
        let text, headers;
        if (c.stream) {
          ({ text, headers } = await streamed(hello(ch.route), fault(c.fault)));
        } else {
          const { data, response } = await client().chat.completions.create(hello(ch.route), fault(c.fault)).withResponse();
          text = data.choices[0].message.content;
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

describe('openai: lifeline errors are typed SDK errors, not retried by the SDK', suite, () => {
  for (const dialect of ['openai', 'anthropic']) {
    const ch = soloFor(dialect);
    for (const c of errorCases) {
      test(`${dialect}/${c.name}`, async () => {
        const check = await mark();
        let call;
        if (c.stream) call = streamed(hello(ch.route), { headers: c.headers });
        else if (c.json) call = client().chat.completions.create(withSchema(ch.route), { headers: c.headers });
        else call = client().chat.completions.create(hello(ch.route), { headers: c.headers });
        await assert.rejects(call, (err) => {
          assert.ok(err instanceof OpenAI.APIError, `${err?.constructor?.name}: ${err}`);
          assert.ok(err instanceof (c.status === 400 ? OpenAI.BadRequestError : OpenAI.InternalServerError), err.constructor.name);
          assert.equal(err.status, c.status);
          assert.equal(err.type, c.type);
          assert.equal(err.headers.get('x-should-retry'), 'false');
          assert.equal(err.headers.get('x-lifeline-route'), ch.route);
          return true;
        });
        await check(1, { [ch.primary]: c.upstream });
      });
    }
  }
  test('model_not_found', async () => {
    const check = await mark();
    await assert.rejects(client().chat.completions.create(hello('no-such-route')), (err) => {
      assert.ok(err instanceof OpenAI.NotFoundError, `${err?.constructor?.name}: ${err}`);
      assert.equal(err.type, 'model_not_found');
      return true;
    });
    await check(1, {});
  });
});

describe('openai: a stream cut after its first byte ends in an error', suite, () => {
  for (const ch of chainsFor('openai').slice(0, 2)) {
    for (const c of brokenCases) {
      test(`${ch.kind}/${c.fault}`, async () => {
        const check = await mark();
        const { data: stream } = await client()
          .chat.completions.create({ ...hello(ch.route), stream: true }, fault(c.fault, c.arg))
          .withResponse();
        let text = '';
        await assert.rejects(async () => {
          for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
        }, OpenAI.APIError);
        assert.ok(text.length > 0 && text !== textOf(ch.primary) && textOf(ch.primary).startsWith(text), `text before the cut: ${text}`);
        await check(1, { [ch.primary]: 1 });
      });
    }
  }
});

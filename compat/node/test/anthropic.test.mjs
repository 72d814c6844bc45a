// The @anthropic-ai/sdk npm package as a base-URL client of the lifeline
// gateway, at its default max retries (2), run through the cases of
// cases.mjs.
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { answerSchema, gatewayURL, weatherParams, weatherTool } from '../lib/compat.mjs';
import { compatSuite } from './cases.mjs';

const client = () => new Anthropic({ baseURL: gatewayURL, apiKey: 'unused' });

const ask = (route, content, extra) => ({ model: route, max_tokens: 256, messages: [{ role: 'user', content }], ...extra });

const errorClass = {
  400: Anthropic.BadRequestError,
  502: Anthropic.InternalServerError,
  503: Anthropic.ServiceUnavailableError,
  504: Anthropic.GatewayTimeoutError,
};

compatSuite({
  name: 'anthropic',
  stop: 'end_turn',
  toolStop: 'tool_use',
  toolType: 'tool_use',
  APIError: Anthropic.APIError,
  NotFoundError: Anthropic.NotFoundError,
  errorClass: (status) => errorClass[status],
  // The SDK keeps the whole error body, "lifeline" member included.
  attempts: (err) => err.error?.lifeline?.attempts,
  hello: (route) => ask(route, 'Say hello.'),
  withSchema: (route) => ask(route, 'Answer in JSON: is water wet?', {
    output_config: { format: { type: 'json_schema', schema: answerSchema } },
  }),
  withTool: (route) => ask(route, 'What is the weather in Paris?', {
    tools: [{ name: weatherTool, description: 'Current weather of a city.', input_schema: weatherParams }],
  }),
  create: (body, options) => client().messages.create(body, options),
  stream: (body, options) => client().messages.create({ ...body, stream: true }, options),
  helper: (body) => client().messages.stream(body).finalMessage(),
  // The tool calls are the message's tool_use blocks.
  read: (message) => ({
    text: message.content.filter((b) => b.type === 'text').map((b) => b.text).join(''),
    role: message.role,
    finish: message.stop_reason,
    usage: { input: message.usage.input_tokens, output: message.usage.output_tokens },
    calls: message.content.filter((b) => b.type === 'tool_use').map((b) => ({ id: b.id, type: b.type, name: b.name, args: b.input })),
  }),
  // message_delta's usage is cumulative; its input_tokens may be null.
  readEvent(out, ev) {
    if (ev.type === 'message_start') {
      out.role = ev.message.role;
      out.usage = { input: ev.message.usage.input_tokens, output: ev.message.usage.output_tokens };
    }
    if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') out.text += ev.delta.text;
    if (ev.type === 'message_delta') {
      out.finish = ev.delta.stop_reason;
      out.usage.input = ev.usage.input_tokens ?? out.usage.input;
      out.usage.output = ev.usage.output_tokens;
    }
  },
  // One message_start first, message_stop last.
  checkEvents(events) {
    const types = events.map((ev) => ev.type);
    assert.equal(types[0], 'message_start', types.join(','));
    assert.equal(types.filter((t) => t === 'message_start').length, 1, types.join(','));
    assert.equal(types.at(-1), 'message_stop', types.join(','));
  },
  withToolResult: (body, message, id, result) => ({
    ...body,
    messages: [
      ...body.messages,
      { role: 'assistant', content: message.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: result }] },
    ],
    tool_choice: { type: 'none' },
  }),
});

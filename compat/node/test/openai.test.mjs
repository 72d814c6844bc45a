// The openai npm package as a base-URL client of the lifeline gateway, at
// its default max retries (2), run through the cases of cases.mjs.
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { answerSchema, gatewayURL, weatherParams, weatherTool } from '../lib/compat.mjs';
import { compatSuite } from './cases.mjs';

const client = () => new OpenAI({ baseURL: `${gatewayURL}/v1`, apiKey: 'unused' });

const hello = (route) => ({ model: route, messages: [{ role: 'user', content: 'Say hello.' }] });

// Streams ask for the usage, which comes in a last chunk of its own.
const includeUsage = { stream_options: { include_usage: true } };

const usage = (u) => u && { input: u.prompt_tokens, output: u.completion_tokens };

compatSuite({
  name: 'openai',
  stop: 'stop',
  toolStop: 'tool_calls',
  toolType: 'function',
  APIError: OpenAI.APIError,
  NotFoundError: OpenAI.NotFoundError,
  // openai-node has no classes of its own for 502, 503 and 504.
  errorClass: (status) => (status === 400 ? OpenAI.BadRequestError : OpenAI.InternalServerError),
  // openai-node keeps only the "error" member of an error body, not the
  // "lifeline" member beside it.
  attempts: null,
  hello,
  withSchema: (route) => ({
    model: route,
    messages: [{ role: 'user', content: 'Answer in JSON: is water wet?' }],
    response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: answerSchema, strict: true } },
  }),
  withTool: (route) => ({
    model: route,
    messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    tools: [{ type: 'function', function: { name: weatherTool, description: 'Current weather of a city.', parameters: weatherParams } }],
  }),
  create: (body, options) => client().chat.completions.create(body, options),
  stream: (body, options) => client().chat.completions.create({ ...body, stream: true, ...includeUsage }, options),
  helper: (body) => client().chat.completions.stream({ ...body, ...includeUsage }).finalChatCompletion(),
  read(completion) {
    const { message, finish_reason: finish } = completion.choices[0];
    const calls = (message.tool_calls ?? []).map((c) => ({ id: c.id, type: c.type, name: c.function.name, args: c.function.arguments }));
    return { text: message.content, role: message.role, finish, usage: usage(completion.usage), calls };
  },
  readEvent(out, chunk) {
    for (const c of chunk.choices) {
      out.role ??= c.delta?.role;
      out.text += c.delta?.content ?? '';
      if (c.finish_reason) out.finish = c.finish_reason;
    }
    if (chunk.usage) out.usage = usage(chunk.usage);
  },
  // The usage chunk comes last, with no choices.
  checkEvents(chunks) {
    const last = chunks.at(-1);
    assert.ok(last?.usage && last.choices.length === 0, JSON.stringify(last));
  },
  withToolResult: (body, completion, id, result) => ({
    ...body,
    messages: [...body.messages, completion.choices[0].message, { role: 'tool', tool_call_id: id, content: result }],
    tool_choice: 'none',
  }),
});

// A multi-step, tool-using agent loop against a lifeline gateway, with the
// official openai npm client pointed at the gateway's base URL and one
// wall-clock deadline for the whole loop.
//
// Every call carries the loop's deadline in X-Lifeline-Deadline (Unix
// milliseconds): the gateway bounds its attempts, retries, backoffs and
// fallbacks by what is left of it, and answers 504 deadline_exceeded rather
// than start a wait that would overrun it. The client aborts at the same
// deadline, so nothing outlives the loop.
//
//   go run ./cmd/lifeline serve          # the gateway, on its demo providers
//   npm ci && node agent.mjs             # in examples/node-agent
//
// Environment:
//   LIFELINE_URL          gateway base URL (default http://127.0.0.1:8080)
//   LIFELINE_ROUTE        route to call, sent as "model" (default demo)
//   LIFELINE_KEY          client key, when the gateway has keys (default unused)
//   AGENT_DEADLINE_MS     the loop's deadline from now (default 60000)
//   AGENT_STEPS           most model calls; the last must answer (default 4)
import OpenAI from 'openai';

const baseURL = (process.env.LIFELINE_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const route = process.env.LIFELINE_ROUTE ?? 'demo';
const steps = Number(process.env.AGENT_STEPS ?? 4);
const deadline = Date.now() + Number(process.env.AGENT_DEADLINE_MS ?? 60000);

// The SDK keeps its default retries: lifeline's errors carry
// x-should-retry: false, so it only retries what never reached the gateway.
const client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: process.env.LIFELINE_KEY ?? 'unused' });

const tools = [{
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather of a city.',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', description: 'City name, e.g. Paris' } },
      required: ['city'],
      additionalProperties: false,
    },
  },
}];

/** Runs a tool call locally and returns its result as JSON. */
function runTool(name, args) {
  if (name !== 'get_weather') return JSON.stringify({ error: 'unknown tool' });
  let city;
  try {
    ({ city } = JSON.parse(args));
  } catch {
    return JSON.stringify({ error: 'arguments are not JSON' });
  }
  return JSON.stringify({ city, temperature_c: 21, conditions: 'sunny' });
}

/** The options of every call: the loop's deadline, for the gateway and for the client. */
function bounded() {
  const left = deadline - Date.now();
  if (left <= 0) throw new Error('the loop\'s deadline passed');
  return {
    headers: { 'X-Lifeline-Deadline': String(deadline) },
    timeout: left,
    signal: AbortSignal.timeout(left),
  };
}

async function main() {
  const start = Date.now();
  const messages = [
    { role: 'system', content: 'You plan outings. Check the weather with get_weather before you answer.' },
    { role: 'user', content: 'Should we have a picnic in Paris this afternoon?' },
  ];
  for (let step = 1; step <= steps; step++) {
    const last = step === steps;
    const { data, response } = await client.chat.completions
      .create({ model: route, messages, tools, ...(last ? { tool_choice: 'none' } : {}) }, bounded())
      .withResponse();
    console.log(`step ${step}: served by ${response.headers.get('x-lifeline-target')} after ` +
      `${response.headers.get('x-lifeline-attempts')} attempt(s); ${deadline - Date.now()}ms left`);
    const message = data.choices[0].message;
    if (!message.tool_calls?.length) {
      console.log(`final answer after ${step} step(s) in ${Date.now() - start}ms: ${message.content}`);
      return;
    }
    messages.push(message);
    for (const call of message.tool_calls) {
      const result = runTool(call.function.name, call.function.arguments);
      console.log(`  tool ${call.function.name}(${call.function.arguments}) = ${result}`);
      messages.push({ role: 'tool', tool_call_id: call.id, content: result });
    }
  }
  throw new Error(`no answer after ${steps} steps`);
}

main().catch((err) => {
  if (err instanceof OpenAI.APIError && err.status) {
    console.error(`agent: ${err.status} ${err.type ?? ''}: ${err.message}`);
  } else {
    console.error(`agent: ${err.message ?? err}`);
  }
  process.exit(1);
});

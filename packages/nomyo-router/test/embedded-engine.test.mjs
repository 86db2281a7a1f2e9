// The embedded engine with the real SmolLM2-135M model (fetched by
// `npm run setup:model`), loaded once for the file. Assertions are about
// structure, never the model's words. A missing model fails this file.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { EngineError } from '../dist/engines/engine.js';
import { createEmbeddedEngine, resolveModelPath } from '../dist/engines/embedded.js';

const modelPath = resolveModelPath(undefined);
const never = new AbortController().signal;
const weather = { type: 'function', function: { name: 'get_weather', description: 'Get the current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const add = { type: 'function', function: { name: 'add', description: 'Add two numbers', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] } } };
const ask = (content, extra = {}) => ({ model: 'smollm2-135m', messages: [{ role: 'user', content }], ...extra });

let engine;
const progress = [];

before(async () => {
  if (!existsSync(modelPath)) throw new Error(`the embedded model is missing at ${modelPath}: run \`npm run setup:model\` first`);
  engine = createEmbeddedEngine({ onProgress: (fraction) => progress.push(fraction) });
  await engine.ready();
});

after(() => engine?.close());

function assertCompletion(completion) {
  assert.match(completion.id, /^chatcmpl-[0-9a-f]{32}$/);
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.model, 'smollm2-135m');
  assert.ok(Number.isInteger(completion.created) && Math.abs(completion.created - Date.now() / 1000) < 600);
  assert.equal(completion.choices.length, 1);
  const { prompt_tokens, completion_tokens, total_tokens } = completion.usage;
  assert.ok(prompt_tokens > 5 && completion_tokens > 0, `usage ${JSON.stringify(completion.usage)}`);
  assert.equal(total_tokens, prompt_tokens + completion_tokens);
  return completion.choices[0];
}

describe('embedded engine with SmolLM2-135M', () => {
  it('reported loading progress from 0 to 1 and says where the model came from', () => {
    assert.equal(engine.name, 'embedded');
    assert.equal(engine.modelPath, modelPath);
    assert.equal(progress[0], 0);
    assert.equal(progress.at(-1), 1);
    assert.ok(progress.every((value, i) => i === 0 || value >= progress[i - 1]), 'progress never goes backwards');
  });

  it('answers a chat with non-empty text and real token counts', async () => {
    const choice = assertCompletion(await engine.complete(ask('What is the capital of France?', { max_tokens: 48 }), { signal: never }));
    assert.equal(choice.message.role, 'assistant');
    assert.ok(typeof choice.message.content === 'string' && choice.message.content.trim().length > 0);
    assert.equal(choice.message.tool_calls, undefined);
    assert.ok(['stop', 'length'].includes(choice.finish_reason));
  });

  it('counts the same prompt the same way, and more tokens for a longer prompt', async () => {
    const short = await engine.complete(ask('Hi', { max_tokens: 1 }), { signal: never });
    const again = await engine.complete(ask('Hi', { max_tokens: 2 }), { signal: never });
    const long = await engine.complete(ask('Hi. Please tell me, in one sentence, what colour the sky is on a clear day.', { max_tokens: 1 }), { signal: never });
    assert.equal(again.usage.prompt_tokens, short.usage.prompt_tokens);
    assert.ok(long.usage.prompt_tokens >= short.usage.prompt_tokens + 15, `${long.usage.prompt_tokens} vs ${short.usage.prompt_tokens}`);
  });

  it('honours max_tokens and max_completion_tokens with finish_reason "length"', async () => {
    const choice = assertCompletion(await engine.complete(ask('Write a long story about a dragon.', { max_tokens: 5 }), { signal: never }));
    assert.equal(choice.finish_reason, 'length');
    const capped = await engine.complete(ask('Write a long story about a dragon.', { max_tokens: 50, max_completion_tokens: 3 }), { signal: never });
    assert.equal(capped.usage.completion_tokens, 3);
    assert.equal(capped.choices[0].finish_reason, 'length');
  });

  it('is deterministic for a seed, and cuts the answer before a stop sequence', async () => {
    const request = ask('List five fruits, separated by commas.', { temperature: 0.8, seed: 1234, max_tokens: 40 });
    const first = (await engine.complete(request, { signal: never })).choices[0].message.content;
    const second = (await engine.complete(request, { signal: never })).choices[0].message.content;
    assert.equal(second, first);
    const words = first.split(/\s+/).filter((word) => word.length > 2);
    assert.ok(words.length >= 3, `need a few words to pick a stop sequence from: ${JSON.stringify(first)}`);
    const stop = words[Math.floor(words.length / 2)];
    const cut = (await engine.complete({ ...request, stop: [stop, '\u0000never'] }, { signal: never })).choices[0];
    assert.equal(cut.finish_reason, 'stop');
    assert.equal(cut.message.content, first.slice(0, first.indexOf(stop)));
  });

  it('forces a call of a listed tool with tool_choice "required"', async () => {
    const choice = assertCompletion(await engine.complete(ask('What is the weather in Paris?', { tools: [weather, add], tool_choice: 'required', max_tokens: 64 }), { signal: never }));
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    assert.equal(choice.message.tool_calls.length, 1);
    const [call] = choice.message.tool_calls;
    assert.match(call.id, /^call_[A-Za-z0-9]{24}$/);
    assert.equal(call.type, 'function');
    assert.ok(['get_weather', 'add'].includes(call.function.name));
    const args = JSON.parse(call.function.arguments);
    if (call.function.name === 'get_weather') assert.equal(typeof args.city, 'string');
    else assert.ok(typeof args.a === 'number' && typeof args.b === 'number');
  });

  it('forces the named tool even when another fits the question better', async () => {
    const choice = assertCompletion(await engine.complete(ask('What is the weather in Paris?', { tools: [weather, add], tool_choice: { type: 'function', function: { name: 'add' } }, max_tokens: 64 }), { signal: never }));
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.tool_calls[0].function.name, 'add');
    const args = JSON.parse(choice.message.tool_calls[0].function.arguments);
    assert.deepEqual(Object.keys(args).sort(), ['a', 'b']);
    assert.ok(Number.isFinite(args.a) && Number.isFinite(args.b));
  });

  it('answers after a tool result, and with tool_choice "none" never calls', async () => {
    const messages = [
      { role: 'user', content: 'What is the weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_abc', content: '{"temperature_c": 18, "sky": "sunny"}' },
    ];
    const choice = assertCompletion(await engine.complete({ model: 'smollm2-135m', messages, tools: [weather], tool_choice: 'none', max_tokens: 40 }, { signal: never }));
    assert.equal(choice.message.tool_calls, undefined);
    assert.ok(choice.message.content.trim().length > 0);
  });

  it('constrains a json_schema answer to the schema', async () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string', maxLength: 30 }, age: { type: 'integer' }, tags: { type: 'array', items: { type: 'string', maxLength: 20 }, maxItems: 3 }, kind: { enum: ['cat', 'dog'] } },
      required: ['name', 'age', 'tags', 'kind'],
      additionalProperties: false,
    };
    const completion = await engine.complete(ask('Describe a pet as JSON.', { response_format: { type: 'json_schema', json_schema: { name: 'pet', schema, strict: true } }, max_tokens: 200 }), { signal: never });
    const choice = assertCompletion(completion);
    assert.equal(choice.finish_reason, 'stop');
    const pet = JSON.parse(choice.message.content);
    assert.deepEqual(Object.keys(pet).sort(), ['age', 'kind', 'name', 'tags']);
    assert.equal(typeof pet.name, 'string');
    assert.ok(Number.isInteger(pet.age));
    assert.ok(Array.isArray(pet.tags) && pet.tags.length <= 3 && pet.tags.every((tag) => typeof tag === 'string'));
    assert.ok(['cat', 'dog'].includes(pet.kind));
  });

  it('answers json_object with a JSON object', async () => {
    const choice = assertCompletion(await engine.complete(ask('Give me a JSON object with a greeting.', { response_format: { type: 'json_object' }, max_tokens: 120 }), { signal: never }));
    if (choice.finish_reason === 'stop') {
      const value = JSON.parse(choice.message.content);
      assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value));
    } else {
      assert.equal(choice.finish_reason, 'length');
      assert.match(choice.message.content, /^\{/);
    }
  });

  it('serves concurrent requests first come, first served, with the event loop free', async () => {
    let last = performance.now();
    let worstGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
    }, 5);
    const finished = [];
    const started = performance.now();
    const results = await Promise.all(
      [0, 1, 2, 3].map((i) => engine.complete(ask(`Count from ${i} to ${i + 40}.`, { max_tokens: 24, temperature: 0 }), { signal: never }).then((r) => (finished.push(i), r))),
    );
    clearInterval(timer);
    const elapsed = performance.now() - started;
    assert.deepEqual(finished, [0, 1, 2, 3]);
    for (const result of results) assert.ok(assertCompletion(result).message.content.length > 0);
    assert.ok(worstGap < Math.min(400, elapsed / 3), `event loop stalled for ${worstGap.toFixed(0)} ms during ${elapsed.toFixed(0)} ms of generation`);
  });

  it('drops a queued request whose signal aborts, and stops a running one', async () => {
    const running = new AbortController();
    const queued = new AbortController();
    const first = engine.complete(ask('Write a long story about a dragon.', { max_tokens: 2000 }), { signal: running.signal });
    const second = engine.complete(ask('Write a poem.', { max_tokens: 10 }), { signal: queued.signal });
    queued.abort();
    await assert.rejects(second, (error) => error instanceof EngineError && error.status === 503 && error.message === 'request cancelled');
    const abortedAt = performance.now();
    setTimeout(() => running.abort(), 300);
    await assert.rejects(first, (error) => error instanceof EngineError && error.status === 503 && error.message === 'request cancelled');
    assert.ok(performance.now() - abortedAt < 5000, 'the running generation stopped soon after its signal aborted');
    const next = await engine.complete(ask('Say hi.', { max_tokens: 8 }), { signal: never });
    assertCompletion(next);
  });

  it('refuses requests it cannot serve with 400 before queueing', async () => {
    const refused = (request) => assert.rejects(engine.complete(request, { signal: never }), (error) => error instanceof EngineError && error.status === 400);
    await refused(ask('hi', { n: 2 }));
    await refused(ask('hi', { tools: [weather], tool_choice: { type: 'function', function: { name: 'add' } } }));
    await refused(ask('hi', { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { allOf: [] } } } }));
    await refused(ask('x'.repeat(40_000)));
  });
});

describe('embedded engine set-up', () => {
  it('fails at once with a set-up hint when the model file is missing', () => {
    assert.throws(
      () => createEmbeddedEngine({ modelPath: '/nonexistent/model.gguf' }),
      (error) => error instanceof EngineError && error.status === 503 && /not found at \/nonexistent\/model\.gguf/.test(error.message) && /npm run setup:model/.test(error.message),
    );
  });
});

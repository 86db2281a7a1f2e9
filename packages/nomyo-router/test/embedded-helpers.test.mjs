// The embedded engine's pure parts, without the model: the FIFO turn queue,
// JSON Schema → grammar schema, sampling parameters, message → history
// mapping and tool_choice planning. Built files: `npx tsc -p packages/nomyo-router`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineError } from '../dist/engines/engine.js';
import { FifoQueue } from '../dist/engines/embedded/queue.js';
import { ANY_JSON, toGrammarSchema } from '../dist/engines/embedded/json-schema.js';
import { budgetTokens, DEFAULT_TEMPERATURE, DEFAULT_TOP_P, readSampling } from '../dist/engines/embedded/sampling.js';
import { toChatHistory } from '../dist/engines/embedded/messages.js';
import { planTools, readForcedCall } from '../dist/engines/embedded/tool-calls.js';

const base = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
const rejects400 = (fn, pattern) => assert.throws(fn, (error) => error instanceof EngineError && error.status === 400 && pattern.test(error.message));

describe('FifoQueue', () => {
  it('hands turns out in arrival order', async () => {
    const queue = new FifoQueue();
    const order = [];
    const first = await queue.acquire(new AbortController().signal);
    const waiting = [1, 2, 3].map((n) => queue.acquire(new AbortController().signal).then((release) => (order.push(n), release)));
    assert.equal(queue.waiting, 3);
    first();
    for (const turn of waiting) (await turn)();
    assert.deepEqual(order, [1, 2, 3]);
    assert.equal(queue.busy, false);
  });

  it('drops a waiter whose signal aborts and rejects it with the reason', async () => {
    const queue = new FifoQueue();
    const release = await queue.acquire(new AbortController().signal);
    const controller = new AbortController();
    const abandoned = queue.acquire(controller.signal);
    const next = queue.acquire(new AbortController().signal);
    controller.abort(new Error('gone'));
    await assert.rejects(abandoned, /gone/);
    assert.equal(queue.waiting, 1);
    release();
    release(); // a second call is ignored, not a second hand-over
    (await next)();
    assert.equal(queue.busy, false);
  });

  it('rejects waiters and later callers once closed', async () => {
    const queue = new FifoQueue();
    await queue.acquire(new AbortController().signal);
    const waiter = queue.acquire(new AbortController().signal);
    queue.close(new Error('closed'));
    await assert.rejects(waiter, /closed/);
    await assert.rejects(queue.acquire(new AbortController().signal), /closed/);
  });
});

describe('toGrammarSchema', () => {
  it('keeps structure and drops value checks the grammar cannot express', () => {
    const schema = toGrammarSchema(
      { type: 'object', title: 'T', properties: { n: { type: 'integer', minimum: 3 }, s: { type: 'string', pattern: 'x', maxLength: 5 }, k: { enum: ['a', 'b'] } }, required: ['n'], additionalProperties: false },
      'where',
    );
    assert.deepEqual(schema, { type: 'object', properties: { n: { type: 'integer' }, s: { type: 'string', maxLength: 5 }, k: { enum: ['a', 'b'] } }, required: ['n'], additionalProperties: false });
  });

  it('maps anyOf, nullable type lists, $defs/definitions refs and empty schemas', () => {
    assert.deepEqual(toGrammarSchema({ anyOf: [{ type: 'string' }, { type: 'null' }] }, 'w'), { oneOf: [{ type: 'string' }, { type: 'null' }] });
    assert.deepEqual(toGrammarSchema({ type: ['integer', 'null'] }, 'w'), { type: ['integer', 'null'] });
    assert.deepEqual(toGrammarSchema({ type: ['object', 'null'] }, 'w'), { oneOf: [{ type: 'object', additionalProperties: true }, { type: 'null' }] });
    assert.deepEqual(toGrammarSchema({ definitions: { A: { type: 'string' } }, $ref: '#/definitions/A' }, 'w'), { $ref: '#/$defs/A', $defs: { A: { type: 'string' } } });
    assert.deepEqual(toGrammarSchema({}, 'w'), ANY_JSON);
    assert.deepEqual(toGrammarSchema({ type: 'array', items: { type: 'number' }, maxItems: 2 }, 'w'), { type: 'array', items: { type: 'number' }, maxItems: 2 });
  });

  it('refuses keywords whose meaning it cannot keep, naming the field and keyword only', () => {
    rejects400(() => toGrammarSchema({ allOf: [{ type: 'string' }] }, 'response_format.json_schema.schema'), /^response_format\.json_schema\.schema: allOf is not supported/);
    rejects400(() => toGrammarSchema({ type: 'object', properties: { a: { not: {} } } }, 'w'), /not is not supported/);
    rejects400(() => toGrammarSchema({ $ref: 'https://example.com/secret-schema' }, 'w'), /^w: a \$ref outside #\/\$defs/);
    rejects400(() => toGrammarSchema('string', 'w'), /not an object/);
  });
});

describe('readSampling', () => {
  it('uses the model card defaults and maps OpenAI names', () => {
    assert.deepEqual(readSampling(base), { temperature: DEFAULT_TEMPERATURE, topP: DEFAULT_TOP_P, seed: undefined, maxTokens: undefined, stop: [], repeatPenalty: undefined });
    const sampling = readSampling({ ...base, temperature: 0, top_p: 0.5, seed: -1, max_tokens: 7, stop: 'END', frequency_penalty: 0.5 });
    assert.deepEqual(sampling, { temperature: 0, topP: 0.5, seed: 4294967295, maxTokens: 7, stop: ['END'], repeatPenalty: { frequencyPenalty: 0.5 } });
    assert.equal(readSampling({ ...base, max_tokens: 50, max_completion_tokens: 9 }).maxTokens, 9);
  });

  it('refuses what OpenAI refuses and what one local model cannot do', () => {
    rejects400(() => readSampling({ ...base, temperature: 3 }), /^temperature must be a number from 0 to 2$/);
    rejects400(() => readSampling({ ...base, max_tokens: 0 }), /^max_tokens must be a positive integer$/);
    rejects400(() => readSampling({ ...base, stop: ['a', 'b', 'c', 'd', 'e'] }), /^stop must be/);
    rejects400(() => readSampling({ ...base, n: 2 }), /^n must be 1/);
    rejects400(() => readSampling({ ...base, logit_bias: { 42: 5 } }), /^logit_bias is not supported/);
  });

  it('budgets the answer within what the context has left', () => {
    assert.equal(budgetTokens(undefined, 1024, 100, 4096), 1024);
    assert.equal(budgetTokens(5000, 1024, 100, 4096), 3996);
    rejects400(() => budgetTokens(10, 1024, 4096, 4096), /^the prompt is 4096 tokens; the embedded model's context holds 4096$/);
  });
});

describe('toChatHistory', () => {
  it('maps roles, text parts and tool results onto the calls that asked for them', () => {
    const history = toChatHistory([
      { role: 'developer', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'weather ' }, { type: 'text', text: 'in Paris?' }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '18 °C' },
    ]);
    assert.deepEqual(history, [
      { type: 'system', text: 'be brief' },
      { type: 'user', text: 'weather in Paris?' },
      { type: 'model', response: [{ type: 'functionCall', name: 'get_weather', params: { city: 'Paris' }, result: '18 °C' }] },
      { type: 'model', response: [] },
    ]);
  });

  it('refuses what the model cannot read, without quoting the content', () => {
    rejects400(() => toChatHistory([]), /^messages must be a non-empty list$/);
    rejects400(() => toChatHistory([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }]), /^messages\[0\] has a non-text part/);
    rejects400(() => toChatHistory([{ role: 'tool', tool_call_id: 'nope', content: 'secret' }]), /^messages\[0\] answers a tool_call_id/);
    rejects400(() => toChatHistory([{ role: 'wizard', content: 'x' }]), /^messages\[0\]\.role must be/);
    rejects400(() => toChatHistory([{ role: 'assistant', content: 'x', tool_calls: { id: 'a' } }]), /^messages\[0\]\.tool_calls must be a list$/);
  });
});

describe('planTools', () => {
  const weather = { type: 'function', function: { name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
  const add = { type: 'function', function: { name: 'add', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } } };

  it('chooses none, auto or a forced call schema over the allowed tools', () => {
    assert.deepEqual(planTools(base), { mode: 'none' });
    assert.deepEqual(planTools({ ...base, tools: [weather], tool_choice: 'none' }), { mode: 'none' });
    assert.equal(planTools({ ...base, tools: [weather] }).mode, 'auto');
    const required = planTools({ ...base, tools: [weather, add], tool_choice: 'required' });
    assert.equal(required.mode, 'forced');
    assert.deepEqual([...required.names], ['get_weather', 'add']);
    assert.equal(required.schema.oneOf.length, 2);
    assert.deepEqual(required.schema.oneOf[1].properties.name, { const: 'add' });
    const named = planTools({ ...base, tools: [weather, add], tool_choice: { type: 'function', function: { name: 'add' } } });
    assert.deepEqual([...named.names], ['add']);
    assert.deepEqual(named.schema.properties.arguments, { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } });
  });

  it('refuses choices that cannot be met', () => {
    rejects400(() => planTools({ ...base, tool_choice: 'required' }), /^tool_choice needs a non-empty tools list$/);
    rejects400(() => planTools({ ...base, tools: [weather], tool_choice: { type: 'function', function: { name: 'other' } } }), /names a function that is not in tools/);
    rejects400(() => planTools({ ...base, tools: [{ type: 'function', function: { name: 'bad name' } }] }), /^tools\[0\] must be/);
  });

  it('reads a forced call into an OpenAI tool call, and nothing from a cut-off one', () => {
    const call = readForcedCall('{"name": "add", "arguments": {"a": 1, "b": 2}}', new Set(['add']));
    assert.match(call.id, /^call_[A-Za-z0-9]{24}$/);
    assert.deepEqual({ ...call, id: 'x' }, { id: 'x', type: 'function', function: { name: 'add', arguments: '{"a":1,"b":2}' } });
    assert.equal(readForcedCall('{"name": "add", "argu', new Set(['add'])), undefined);
    assert.equal(readForcedCall('{"name": "rm", "arguments": {}}', new Set(['add'])), undefined);
  });
});

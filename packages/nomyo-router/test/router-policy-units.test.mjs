// The policy modules alone, where time and sizes can be controlled exactly.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createApiKeyPolicy, collectApiKeys } from '../dist/policy/api-keys.js';
import { createRateLimiter } from '../dist/policy/rate-limit.js';
import { createReplayCache } from '../dist/policy/replay-cache.js';
import { parseTierModels, resolveTier } from '../dist/policy/tiers.js';

const retryAfterOf = (fn) => {
  try {
    fn();
    return 'served';
  } catch (error) {
    assert.equal(error.status, 429);
    return Number(error.headers['retry-after']);
  }
};

describe('rate limiter (token bucket)', () => {
  test('bursts up to N, then Retry-After is the whole seconds until the next token', () => {
    const limiter = createRateLimiter(6); // one token per 10 s
    for (let i = 0; i < 6; i++) assert.equal(retryAfterOf(() => limiter.take('a', 0)), 'served');
    assert.equal(retryAfterOf(() => limiter.take('a', 0)), 10);
    assert.equal(retryAfterOf(() => limiter.take('a', 7_500)), 3);
    assert.equal(retryAfterOf(() => limiter.take('a', 9_999)), 1);
    assert.equal(retryAfterOf(() => limiter.take('a', 10_000)), 'served');
    assert.equal(retryAfterOf(() => limiter.take('b', 10_000)), 'served', 'callers have separate buckets');
  });

  test('the bucket map is bounded; a forgotten caller starts full', () => {
    const limiter = createRateLimiter(1, 2);
    limiter.take('a', 0);
    limiter.take('b', 0);
    limiter.take('c', 0); // evicts a
    assert.equal(retryAfterOf(() => limiter.take('a', 0)), 'served');
  });
});

describe('replay cache', () => {
  const ok = (body) => async () => ({ status: 200, headers: {}, body });

  test('bounded by entries: the oldest answer is forgotten first', async () => {
    const cache = createReplayCache({ maxEntries: 2 });
    await cache.run('1', 'f', ok('one'));
    await cache.run('2', 'f', ok('two'));
    await cache.run('3', 'f', ok('three'));
    assert.equal(cache.size, 2);
    assert.equal((await cache.run('1', 'f', ok('fresh'))).body, 'fresh');
    assert.equal((await cache.run('3', 'f', ok('fresh'))).body, 'three');
  });

  test('bounded by bytes, and answers larger than the budget are not stored', async () => {
    const cache = createReplayCache({ maxBytes: 10 });
    await cache.run('big', 'f', ok('x'.repeat(11)));
    assert.equal(cache.size, 0);
    await cache.run('a', 'f', ok('123456'));
    await cache.run('b', 'f', ok('123456'));
    assert.equal(cache.size, 1);
  });

  test('entries expire after the TTL', async () => {
    const cache = createReplayCache({ ttlMs: 30 });
    await cache.run('id', 'f', ok('first'));
    assert.equal((await cache.run('id', 'f', ok('second'))).body, 'first');
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal((await cache.run('id', 'f', ok('third'))).body, 'third');
  });

  test('failures are shared with in-flight duplicates but never stored', async () => {
    const cache = createReplayCache();
    let calls = 0;
    const failing = async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      throw Object.assign(new Error('upstream down'), { status: 503 });
    };
    const results = await Promise.allSettled([cache.run('id', 'f', failing), cache.run('id', 'f', failing)]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(calls, 1);
    assert.equal((await cache.run('id', 'f', ok('later'))).body, 'later');
    await assert.rejects(cache.run('id', 'other', ok('x')), { status: 409 });
  });
});

describe('tiers and API keys', () => {
  test('--tier-models values accumulate per tier and bad ones are refused', () => {
    const policy = parseTierModels(['high=a, b', 'high=c', 'maximum=a']);
    assert.deepEqual([...policy.high], ['a', 'b', 'c']);
    assert.equal(resolveTier(policy, 'high', 'c'), 'high');
    assert.equal(resolveTier(policy, undefined, 'zzz'), 'standard');
    for (const bad of ['high', 'secret=a', 'high=', 'high=,']) assert.throws(() => parseTierModels([bad]), TypeError, bad);
  });

  test('API keys from flags and a comma-separated env value; caller ids never contain the key', () => {
    assert.deepEqual(collectApiKeys(['a'], ' b , ,c'), ['a', 'b', 'c']);
    const policy = createApiKeyPolicy(['secret-key']);
    const id = policy.authenticate('Bearer secret-key');
    assert.match(id, /^key:[0-9a-f]{16}$/);
    assert.doesNotMatch(id, /secret/);
    assert.equal(policy.authenticate('bearer   secret-key'), id, 'the scheme is case-insensitive');
    assert.throws(() => policy.authenticate('Bearer secret-key2'), { status: 401 });
    assert.equal(createApiKeyPolicy([]).authenticate(undefined), undefined);
  });
});

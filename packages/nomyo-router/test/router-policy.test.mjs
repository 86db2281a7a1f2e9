// API keys, security tiers, rate limits and the replay cache, each against its
// own router process configured from the command line (and environment).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRouter } from '../../../test/support/router.mjs';
import { startStubUpstream } from '../../../test/support/stub-upstream.mjs';
import { secureClient, userRequest } from './support/wire.mjs';

let stub;
const routers = [];

async function routerWith(args, env = {}) {
  const router = await startRouter({ upstream: stub.url, args, env });
  routers.push(router);
  return { router, client: await secureClient(router.baseUrl) };
}

before(async () => {
  stub = await startStubUpstream();
});
after(async () => {
  await Promise.all(routers.map((router) => router.stop()));
  await stub?.close();
});

describe('API keys', () => {
  let client;
  let baseUrl;
  before(async () => {
    const started = await routerWith(['--api-key', 'key-one', '--api-key', 'key-two'], { NOMYO_ROUTER_API_KEYS: 'env-key, other-env-key' });
    client = started.client;
    baseUrl = started.router.baseUrl;
  });

  test('missing, wrong, or non-Bearer credentials → 401 before any decryption', async () => {
    const body = await client.seal(userRequest('hi'));
    const callsBefore = stub.calls.length;
    for (const authorization of [undefined, 'Bearer wrong', 'Bearer key-one-extra', 'Basic key-one', 'key-one', 'Bearer ']) {
      const response = await client.post(body, authorization === undefined ? {} : { authorization });
      assert.equal(response.status, 401, String(authorization));
      assert.deepEqual(JSON.parse(response.text), { detail: 'missing or invalid API key' });
      assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    }
    // Garbage bodies are refused just as cheaply: auth comes first.
    assert.equal((await client.post('garbage')).status, 401);
    assert.equal(stub.calls.length, callsBefore);
  });

  test('every configured key works, from flags and from NOMYO_ROUTER_API_KEYS', async () => {
    for (const key of ['key-one', 'key-two', 'env-key', 'other-env-key']) {
      const answer = await client.complete(userRequest(`as ${key}`), { authorization: `Bearer ${key}` });
      assert.equal(answer.status, 200, key);
      assert.equal(answer.completion.choices[0].message.content, `echo: as ${key}`);
    }
  });

  test('the public key and health endpoints stay open', async () => {
    assert.equal((await fetch(`${baseUrl}/pki/public_key`)).status, 200);
    assert.equal((await fetch(`${baseUrl}/healthz`)).status, 200);
  });
});

describe('security tiers', () => {
  test('a model not listed for the requested tier → 403; listed → 200; unlisted tiers allow all', async () => {
    const { client } = await routerWith(['--tier-models', 'high=alpha,beta', '--tier-models', 'maximum=alpha']);
    const tierOf = async (model, tier) => {
      const answer = await client.complete({ ...userRequest('t'), model }, tier ? { 'x-security-tier': tier } : {});
      return answer.status === 200 ? answer.completion._metadata.security_tier : `${answer.status} ${answer.detail}`;
    };
    assert.equal(await tierOf('gamma', 'high'), '403 model not allowed for security tier "high"');
    assert.equal(await tierOf('beta', 'maximum'), '403 model not allowed for security tier "maximum"');
    assert.equal(await tierOf('beta', 'high'), 'high');
    assert.equal(await tierOf('alpha', 'maximum'), 'maximum');
    assert.equal(await tierOf('gamma', 'standard'), 'standard');
    assert.equal(await tierOf('gamma', undefined), 'standard');
  });

  test('without X-Security-Tier the first tier (standard → high → maximum) allowing the model is used', async () => {
    const { client } = await routerWith(['--tier-models', 'standard=small', '--tier-models', 'high=big', '--tier-models', 'maximum=big']);
    const small = await client.complete({ ...userRequest('t'), model: 'small' });
    assert.equal(small.completion._metadata.security_tier, 'standard');
    const big = await client.complete({ ...userRequest('t'), model: 'big' });
    assert.equal(big.completion._metadata.security_tier, 'high');
    const callsBefore = stub.calls.length;
    const other = await client.complete({ ...userRequest('t'), model: 'other' });
    assert.equal(other.status, 403);
    assert.equal(other.detail, 'model not allowed in any security tier');
    assert.equal(stub.calls.length, callsBefore);
  });
});

describe('rate limit', () => {
  test('--rate-limit 2: the third request in a minute → 429 with an accurate Retry-After, before decryption', async () => {
    const { client } = await routerWith(['--rate-limit', '2']);
    assert.equal((await client.complete(userRequest('1'))).status, 200);
    assert.equal((await client.complete(userRequest('2'))).status, 200);
    const callsBefore = stub.calls.length;
    const limited = await client.post('not even an envelope');
    assert.equal(limited.status, 429);
    assert.deepEqual(JSON.parse(limited.text), { detail: 'rate limit exceeded' });
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 29 && retryAfter <= 30, `one token per 30 s, got Retry-After ${retryAfter}`);
    assert.equal(stub.calls.length, callsBefore);
  });

  test('buckets are per API key', async () => {
    const { client } = await routerWith(['--rate-limit', '1', '--api-key', 'a', '--api-key', 'b']);
    assert.equal((await client.complete(userRequest('a1'), { authorization: 'Bearer a' })).status, 200);
    assert.equal((await client.complete(userRequest('a2'), { authorization: 'Bearer a' })).status, 429);
    assert.equal((await client.complete(userRequest('b1'), { authorization: 'Bearer b' })).status, 200);
    // A wrong key is refused by auth, and does not use anyone's bucket.
    assert.equal((await client.complete(userRequest('x'), { authorization: 'Bearer c' })).status, 401);
  });
});

describe('replay cache', () => {
  let client;
  before(async () => {
    ({ client } = await routerWith([]));
  });

  test('the same X-Payload-ID and body get the stored answer byte for byte, without a second engine call', async () => {
    const body = await client.seal(userRequest('answer me once'));
    const headers = { 'x-payload-id': crypto.randomUUID() };
    const first = await client.post(body, headers);
    assert.equal(first.status, 200);
    const calls = stub.calls.length;
    const second = await client.post(body, headers);
    assert.equal(second.status, 200);
    assert.deepEqual(second.bytes, first.bytes);
    assert.equal(stub.calls.length, calls);
  });

  test('the same X-Payload-ID with a different body, key or tier → 409', async () => {
    const payloadId = crypto.randomUUID();
    const body = await client.seal(userRequest('original'));
    assert.equal((await client.post(body, { 'x-payload-id': payloadId })).status, 200);
    const calls = stub.calls.length;
    const other = await client.post(await client.seal(userRequest('different')), { 'x-payload-id': payloadId });
    assert.equal(other.status, 409);
    assert.deepEqual(JSON.parse(other.text), { detail: 'X-Payload-ID was already used for a different request' });
    const otherTier = await client.post(body, { 'x-payload-id': payloadId, 'x-security-tier': 'high' });
    assert.equal(otherTier.status, 409);
    const otherKey = await client.post(body, { 'x-payload-id': payloadId, 'x-public-key': encodeURIComponent(client.keys.publicKeyPem) });
    assert.equal(otherKey.status, 409);
    assert.equal(stub.calls.length, calls);
  });

  test('a retry after a failed attempt (upstream 503) reaches the engine again and is served', async () => {
    const body = await client.seal(userRequest('second time lucky'));
    const headers = { 'x-payload-id': crypto.randomUUID() };
    const calls = stub.calls.length;
    stub.script([{ status: 503 }]);
    assert.equal((await client.post(body, headers)).status, 503);
    const retry = await client.post(body, headers);
    assert.equal(retry.status, 200);
    assert.equal((await client.open(retry.text)).completion.choices[0].message.content, 'echo: second time lucky');
    assert.equal(stub.calls.length, calls + 2);
  });

  test('concurrent duplicates share the in-flight result: one engine call, identical bytes', async () => {
    const body = await client.seal(userRequest('slow and shared'));
    const headers = { 'x-payload-id': crypto.randomUUID() };
    const calls = stub.calls.length;
    stub.script([{ status: 200, delayMs: 400 }]);
    const answers = await Promise.all([1, 2, 3].map(() => client.post(body, headers)));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
    assert.deepEqual(answers[1].bytes, answers[0].bytes);
    assert.deepEqual(answers[2].bytes, answers[0].bytes);
    assert.equal(stub.calls.length, calls + 1);
  });
});

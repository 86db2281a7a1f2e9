// The socket-free core (app.js): a request object in, a response object out.
// Proves the order of the cheap checks: auth, rate limit and engine readiness
// answer before the body is read, so garbage never costs an RSA decryption.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { handleRequest } from '../dist/app.js';
import { createCorsPolicy } from '../dist/cors.js';
import { createApiKeyPolicy } from '../dist/policy/api-keys.js';
import { createRateLimiter } from '../dist/policy/rate-limit.js';
import { createReplayCache } from '../dist/policy/replay-cache.js';
import { createPublicKeyCache } from '../dist/public-key-cache.js';

function context({ apiKeys = [], rateLimit, ready = true } = {}) {
  return {
    serverKey: undefined,
    publicKeyPem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
    engine: { name: 'none', ready: async () => {}, complete: async () => assert.fail('engine called'), close: async () => {} },
    tiers: {},
    replay: createReplayCache(),
    publicKeys: createPublicKeyCache(),
    apiKeys: createApiKeyPolicy(apiKeys),
    rateLimiter: rateLimit ? createRateLimiter(rateLimit) : undefined,
    cors: createCorsPolicy([]),
    isEngineReady: () => ready,
    signal: new AbortController().signal,
  };
}

let bodyReads = 0;
const request = (overrides = {}) => ({
  method: 'POST',
  path: '/v1/chat/secure_completion',
  headers: {},
  remoteAddress: '127.0.0.1',
  readBody: async () => {
    bodyReads += 1;
    return new TextEncoder().encode('{"garbage": true}');
  },
  ...overrides,
});
const detail = (response) => JSON.parse(response.body).detail;

describe('handleRequest without a socket', () => {
  test('plain routes, 404 and 405', async () => {
    const ctx = context();
    const key = await handleRequest(ctx, request({ method: 'GET', path: '/pki/public_key' }));
    assert.equal(key.status, 200);
    assert.equal(key.body, ctx.publicKeyPem);
    assert.equal((await handleRequest(ctx, request({ path: '/constructor' }))).status, 404, 'no prototype keys as routes');
    const wrong = await handleRequest(ctx, request({ method: 'PUT' }));
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.allow, 'POST, OPTIONS');
  });

  test('401, 429 and "engine starting" 503 are answered without reading the body', async () => {
    bodyReads = 0;
    const unauthorized = await handleRequest(context({ apiKeys: ['k'] }), request());
    assert.equal(unauthorized.status, 401);
    const limited = context({ rateLimit: 1 });
    assert.equal(detail(await handleRequest(limited, request())), 'X-Payload-ID must be 1 to 128 printable ASCII characters');
    const second = await handleRequest(limited, request());
    assert.equal(second.status, 429);
    assert.equal(second.headers['retry-after'], '60');
    const starting = await handleRequest(context({ ready: false }), request());
    assert.equal(starting.status, 503);
    assert.equal(starting.headers['retry-after'], '5');
    assert.equal(bodyReads, 1, 'only the one request that passed every cheap check read its body');
  });

  test('anonymous callers share one bucket per remote address', async () => {
    const ctx = context({ rateLimit: 1 });
    await handleRequest(ctx, request({ remoteAddress: '10.0.0.1' }));
    assert.equal((await handleRequest(ctx, request({ remoteAddress: '10.0.0.1' }))).status, 429);
    assert.notEqual((await handleRequest(ctx, request({ remoteAddress: '10.0.0.2' }))).status, 429);
  });

  test('an unexpected error is a 500 whose detail says nothing, and the note names its class only', async () => {
    const note = {};
    const response = await handleRequest(context(), request({ readBody: async () => { throw new RangeError('SECRET'); } }), note);
    assert.equal(response.status, 500);
    assert.equal(detail(response), 'internal server error');
    assert.equal(note.error, 'RangeError');
  });
});

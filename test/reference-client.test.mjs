// The official Python client, nomyo==0.2.9 unchanged, against our router: if it
// works, the router speaks the protocol. One Python run covers every case, in
// parallel; each case's result is asserted precisely here.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { pythonBin, repoRoot } from './support/paths.mjs';
import { startRouter } from './support/router.mjs';
import { startStubUpstream } from './support/stub-upstream.mjs';

const AUTH_KEY = 'reference-suite-key';
let stub;
let unavailableStub;
const routers = {};
const results = {};

function routerLines(router, status) {
  return router.stderrLines
    .map((line) => JSON.parse(line))
    .filter((entry) => entry.msg === 'request' && entry.path === '/v1/chat/secure_completion' && entry.status === status);
}

before(async () => {
  stub = await startStubUpstream();
  unavailableStub = await startStubUpstream();
  unavailableStub.script([{ status: 503 }, { status: 503 }, { status: 503 }]);
  const [plain, auth, tier, rate, unavailable] = await Promise.all([
    startRouter({ upstream: stub.url }),
    startRouter({ upstream: stub.url, args: ['--api-key', AUTH_KEY] }),
    startRouter({ upstream: stub.url, args: ['--tier-models', 'maximum=vetted-model'] }),
    startRouter({ upstream: stub.url, args: ['--rate-limit', '1'] }),
    startRouter({ upstream: unavailableStub.url }),
  ]);
  Object.assign(routers, { plain, auth, tier, rate, unavailable });
  const config = {
    plain: plain.baseUrl,
    auth: auth.baseUrl,
    auth_key: AUTH_KEY,
    tier: tier.baseUrl,
    rate: rate.baseUrl,
    unavailable: unavailable.baseUrl,
  };
  const { stdout } = await promisify(execFile)(pythonBin(), ['test/python/reference_client_suite.py', JSON.stringify(config)], {
    cwd: repoRoot,
    timeout: 60_000,
  });
  for (const line of stdout.trim().split('\n')) {
    const result = JSON.parse(line);
    results[result.case] = result;
  }
});

after(async () => {
  await Promise.all(Object.values(routers).map((router) => router.stop()));
  await stub?.close();
  await unavailableStub?.close();
});

test('the suite ran the pinned reference client', () => {
  assert.equal(results.version.content, '0.2.9');
});

test('simple completion: the stub’s exact echo, with the router’s metadata', () => {
  const result = results.simple;
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.content, 'echo: What is the capital of France?');
  assert.equal(result.finish_reason, 'stop');
  assert.equal(result.model, 'test-model');
  assert.equal(result.metadata.is_encrypted, true);
  assert.equal(result.metadata.response_status, 'success');
  assert.equal(result.metadata.security_tier, 'standard');
  assert.equal(result.metadata.encryption_algorithm, 'hybrid-aes256-rsa4096');
  assert.match(result.metadata.payload_id, /^[0-9a-f-]{36}$/);
  assert.ok(Number.isInteger(result.metadata.processed_at));
  const call = stub.calls.find((c) => c.messages.at(-1).content === 'What is the capital of France?');
  assert.equal(call.temperature, 0.7);
});

test('system message: forwarded, and the answer echoes the user turn', () => {
  assert.equal(results.system_message.ok, true, JSON.stringify(results.system_message));
  assert.equal(results.system_message.content, 'echo: Say hello to the router');
  const call = stub.calls.find((c) => c.messages.at(-1).content === 'Say hello to the router');
  assert.deepEqual(call.messages[0], { role: 'system', content: 'You are a terse assistant.' });
});

test('tools: the tool call comes back parsed', () => {
  const result = results.tools;
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.finish_reason, 'tool_calls');
  assert.equal(result.content, null);
  assert.equal(result.tool_calls.length, 1);
  assert.equal(result.tool_calls[0].type, 'function');
  assert.equal(result.tool_calls[0].function.name, 'get_weather');
  assert.deepEqual(JSON.parse(result.tool_calls[0].function.arguments), { location: 'Paris' });
});

test('auth failure: AuthenticationError, 401, not retried', () => {
  assert.deepEqual(results.auth_failure, {
    case: 'auth_failure',
    ok: false,
    error_class: 'AuthenticationError',
    status_code: 401,
    error_details: { detail: 'missing or invalid API key' },
  });
  assert.equal(routerLines(routers.auth, 401).length, 1);
});

test('per-request api_key override succeeds over a wrong client-level key', () => {
  assert.equal(results.api_key_override.ok, true, JSON.stringify(results.api_key_override));
  assert.equal(results.api_key_override.content, 'echo: override works');
});

test('tier policy: ForbiddenError 403 for a model not allowed in the tier; the allowed one runs in it', () => {
  assert.deepEqual(results.tier_forbidden, {
    case: 'tier_forbidden',
    ok: false,
    error_class: 'ForbiddenError',
    status_code: 403,
    error_details: { detail: 'model not allowed for security tier "maximum"' },
  });
  assert.equal(results.tier_allowed.ok, true, JSON.stringify(results.tier_allowed));
  assert.equal(results.tier_allowed.metadata.security_tier, 'maximum');
});

test('rate limit: RateLimitError after the client’s 3 attempts, all seen by the router', () => {
  assert.deepEqual(results.rate_limited, {
    case: 'rate_limited',
    ok: false,
    error_class: 'RateLimitError',
    status_code: 429,
    error_details: { detail: 'rate limit exceeded' },
  });
  assert.equal(routerLines(routers.rate, 200).length, 1);
  assert.equal(routerLines(routers.rate, 429).length, 3);
});

test('upstream 503: ServiceUnavailableError after retries; the upstream saw all 3 attempts', () => {
  assert.deepEqual(results.upstream_unavailable, {
    case: 'upstream_unavailable',
    ok: false,
    error_class: 'ServiceUnavailableError',
    status_code: 503,
    error_details: { detail: 'inference engine unavailable' },
  });
  assert.equal(unavailableStub.calls.length, 3);
  assert.equal(routerLines(routers.unavailable, 503).length, 3);
});

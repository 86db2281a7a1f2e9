// The client against a real router process over real HTTP on loopback, with a
// deterministic OpenAI-compatible stub behind the router, and a recording
// man-in-the-middle proxy in front of it to see exactly what crossed the wire.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  APIConnectionError,
  APIError,
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
  ClientDisposedError,
  ForbiddenError,
  InvalidRequestError,
  RateLimitError,
  SecureChatCompletion,
  SecurityError,
  ServerError,
  ServiceUnavailableError,
} from 'nomyo-js';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureKey } from '../../../test/support/paths.mjs';
import { startRouter } from '../../../test/support/router.mjs';
import { startStubUpstream } from '../../../test/support/stub-upstream.mjs';
import { startWireProxy } from '../../../test/support/wire-proxy.mjs';

const MODEL = 'Qwen/Qwen3-0.6B';
let stub;
let router;
let proxy;
let keyDir;
const clients = [];

/**
 * A client through the recording proxy; allowHttp because loopback is plain HTTP.
 * It loads the fixture key through keyDir (RSA-4096 generation costs seconds here);
 * pass `keyDir: undefined` for a fresh in-memory key.
 */
function makeClient(options = {}) {
  const client = new SecureChatCompletion({ baseUrl: proxy.baseUrl, allowHttp: true, apiKey: 'key-a', keyDir, ...options });
  clients.push(client);
  return client;
}

const ask = (content, extra = {}) => ({ model: MODEL, messages: [{ role: 'user', content }], ...extra });

before(async () => {
  keyDir = mkdtempSync(join(tmpdir(), 'nomyo-client-test-'));
  copyFileSync(fixtureKey('client').privateKey, join(keyDir, 'private_key.pem'));
  stub = await startStubUpstream();
  router = await startRouter({
    upstream: stub.url,
    args: ['--api-key', 'key-a', '--api-key', 'key-b', '--tier-models', 'maximum=phi-model', '--upstream-timeout', '1500'],
  });
  proxy = await startWireProxy(router.baseUrl);
  // The guide's allowHttp warning is expected once per client here; keep test output readable.
  const warn = console.warn;
  console.warn = (...args) => (String(args[0]).startsWith('nomyo-js: allowHttp') ? undefined : warn(...args));
});

after(async () => {
  for (const client of clients) client.dispose();
  await proxy?.close();
  await router?.stop();
  await stub?.close();
});

beforeEach(() => {
  stub.reset();
  proxy.setRewrite(undefined);
});

describe('the guide, end to end', () => {
  test('simple chat completion: an OpenAI chat.completion with NOMYO metadata', async () => {
    const client = makeClient();
    const response = await client.create(ask('Hello! How are you today?', { temperature: 0.7 }));
    assert.equal(response.object, 'chat.completion');
    assert.equal(response.choices[0].message.content, 'echo: Hello! How are you today?');
    assert.equal(response.choices[0].finish_reason, 'stop');
    assert.ok(response.usage.total_tokens > 0);
    const [wire] = proxy.completions().slice(-1);
    assert.equal(response._metadata.payload_id, wire.headers['x-payload-id']);
    assert.equal(response._metadata.is_encrypted, true);
    assert.equal(response._metadata.encryption_algorithm, 'hybrid-aes256-rsa4096');
    assert.equal(typeof response._metadata.processed_at, 'number');
    assert.equal(stub.calls.at(-1).temperature, 0.7);
  });

  test('a system message reaches the model in order', async () => {
    const response = await makeClient().create({
      model: MODEL,
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'What is the capital of France?' },
      ],
      temperature: 0.7,
    });
    assert.equal(response.choices[0].message.content, 'echo: What is the capital of France?');
    assert.deepEqual(stub.calls.at(-1).messages.map((m) => m.role), ['system', 'user']);
  });

  test('OpenAI parameters pass through untouched; client options never enter the payload', async () => {
    const params = {
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 50,
      stop: ['\n\n', 'END'],
      seed: 42,
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
      presence_penalty: 0.1,
      user: 'user-123',
      some_future_parameter: { nested: [1, 2, 3] },
    };
    await makeClient().create({ ...ask('pass through'), ...params, api_key: 'key-b', security_tier: 'high', stream: true });
    const received = stub.calls.at(-1);
    for (const [name, value] of Object.entries(params)) assert.deepEqual(received[name], value, name);
    for (const name of ['api_key', 'security_tier', 'base_url']) assert.equal(name in received, false, name);
    assert.notEqual(received.stream, true, 'responses are always whole');
  });

  test('per-request api_key overrides the constructor key and travels only as a Bearer header', async () => {
    const client = makeClient({ apiKey: 'not-a-valid-key' });
    await assert.rejects(client.create(ask('Hello!')), AuthenticationError);
    const response = await client.create({ ...ask('Hello!'), api_key: 'key-b' });
    assert.equal(response.choices[0].message.content, 'echo: Hello!');
    const [wire] = proxy.completions().slice(-1);
    assert.equal(wire.headers.authorization, 'Bearer key-b');
    assert.equal(wire.requestBody.includes('key-b'), false);
  });

  test('security tiers are sent as X-Security-Tier and echoed in the metadata', async () => {
    const client = makeClient();
    for (const tier of ['standard', 'high']) {
      const response = await client.create({ ...ask('General query'), security_tier: tier });
      assert.equal(proxy.completions().at(-1).headers['x-security-tier'], tier);
      assert.equal(response._metadata.security_tier, tier);
    }
    const response = await client.create({ ...ask('Patient record summary...'), model: 'phi-model', security_tier: 'maximum' });
    assert.equal(response._metadata.security_tier, 'maximum');
  });

  test('an unknown tier is refused before anything is sent', async () => {
    const client = makeClient();
    await client.create(ask('warm up'));
    const before = proxy.exchanges.length;
    await assert.rejects(client.create({ ...ask('x'), security_tier: 'ultra' }), (error) => {
      assert.ok(error instanceof InvalidRequestError);
      assert.equal(error.statusCode, undefined);
      assert.match(error.message, /standard, high, maximum/);
      return true;
    });
    assert.equal(proxy.exchanges.length, before);
  });

  test('a model not allowed in a tier is a ForbiddenError with the parsed body', async () => {
    await assert.rejects(makeClient().create({ ...ask('x'), security_tier: 'maximum' }), (error) => {
      assert.ok(error instanceof ForbiddenError);
      assert.equal(error.statusCode, 403);
      assert.equal(typeof error.errorDetails.detail, 'string');
      return true;
    });
  });

  test('tools: tool_calls with JSON arguments', async () => {
    const response = await makeClient().create({
      model: MODEL,
      messages: [{ role: 'user', content: "What's the weather in Paris?" }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Get weather information for a location',
            parameters: { type: 'object', properties: { location: { type: 'string', description: 'City name' } }, required: ['location'] },
          },
        },
      ],
      tool_choice: 'auto',
      temperature: 0.7,
    });
    const message = response.choices[0].message;
    assert.equal(response.choices[0].finish_reason, 'tool_calls');
    assert.equal(message.tool_calls[0].function.name, 'get_weather');
    assert.deepEqual(JSON.parse(message.tool_calls[0].function.arguments), { location: 'Paris' });
  });

  test('acreate() is create()', async () => {
    const response = await makeClient().acreate(ask('Hello!'));
    assert.equal(response.choices[0].message.content, 'echo: Hello!');
  });

  test('dispose() ends the client: later calls fail clearly', async () => {
    const client = makeClient();
    await client.create(ask('before'));
    client.dispose();
    await assert.rejects(client.create(ask('after')), (error) => {
      assert.ok(error instanceof ClientDisposedError);
      assert.equal(error.code, 'client_disposed');
      return true;
    });
  });
});

describe('what crosses the wire', () => {
  test('only an envelope: no prompt text, exact headers, tag apart from ciphertext', async () => {
    const secret = 'my-very-secret-diagnosis-7731';
    await makeClient().create(ask(`Patient note: ${secret}`));
    const wire = proxy.completions().at(-1);
    assert.equal(wire.requestBody.includes(secret), false);
    assert.equal(wire.responseBody.includes('echo'), false);
    assert.equal(wire.headers['content-type'], 'application/octet-stream');
    assert.match(wire.headers['x-payload-id'], /^[0-9a-f-]{36}$/);
    assert.match(decodeURIComponent(wire.headers['x-public-key']), /^-----BEGIN PUBLIC KEY-----\n/);
    const envelope = JSON.parse(wire.requestBody);
    assert.deepEqual(Object.keys(envelope).sort(), ['algorithm', 'encrypted_aes_key', 'encrypted_payload', 'key_algorithm', 'payload_algorithm', 'version']);
    assert.equal(Buffer.from(envelope.encrypted_payload.tag, 'base64').length, 16);
    assert.equal(Buffer.from(envelope.encrypted_payload.nonce, 'base64').length, 12);
    assert.equal(Buffer.from(envelope.encrypted_aes_key, 'base64').length, 512);
  });

  test('the server key is fetched once per client, not once per request', async () => {
    const client = makeClient();
    const before = proxy.exchanges.filter((e) => e.path === '/pki/public_key').length;
    for (let i = 0; i < 4; i++) await client.create(ask(`call ${i}`));
    assert.equal(proxy.exchanges.filter((e) => e.path === '/pki/public_key').length, before + 1);
  });

  test('a request over 10 MiB is refused before sending', async () => {
    const client = makeClient();
    const before = proxy.exchanges.length;
    await assert.rejects(client.create(ask('x'.repeat(10 * 1024 * 1024 + 1))), InvalidRequestError);
    assert.equal(proxy.exchanges.length, before);
  });
});

describe('errors and retries', () => {
  test('each HTTP status becomes its typed error', async () => {
    const client = makeClient({ maxRetries: 0 });
    const cases = [
      [{ status: 400 }, InvalidRequestError, 400],
      [{ status: 500 }, ServerError, 502],
      [{ status: 503 }, ServiceUnavailableError, 503],
      [{ status: 200, delayMs: 3000 }, ServerError, 504],
      [{ status: 429, headers: { 'retry-after': '1' } }, RateLimitError, 429],
    ];
    for (const [scripted, ErrorClass, status] of cases) {
      stub.script([scripted]);
      await assert.rejects(client.create(ask('status')), (error) => {
        assert.ok(error instanceof ErrorClass, `${error.name} for upstream ${scripted.status}`);
        assert.equal(error.statusCode, status);
        assert.equal(typeof error.errorDetails?.detail, 'string');
        assert.match(error.requestId, /^[0-9a-f-]{36}$/);
        return true;
      });
    }
  });

  test('a missing endpoint is a plain APIError 404', async () => {
    const client = makeClient({ baseUrl: `${proxy.baseUrl}/not-here`, maxRetries: 0 });
    await assert.rejects(client.create(ask('x')), (error) => {
      assert.equal(error.constructor, APIError);
      assert.equal(error.statusCode, 404);
      return true;
    });
  });

  test('retries resend the same sealed bytes and X-Payload-ID, twice by default', async () => {
    stub.script([{ status: 503 }, { status: 503 }]);
    const before = proxy.completions().length;
    const response = await makeClient().create(ask('retry me'));
    assert.equal(response.choices[0].message.content, 'echo: retry me');
    const attempts = proxy.completions().slice(before);
    assert.equal(attempts.length, 3);
    assert.equal(stub.calls.length, 3);
    assert.equal(new Set(attempts.map((a) => a.headers['x-payload-id'])).size, 1);
    assert.equal(new Set(attempts.map((a) => a.requestBody.toString('base64'))).size, 1);
  });

  test('maxRetries is configurable per client and per request; exhausted retries surface the last error', async () => {
    stub.script([{ status: 503 }, { status: 503 }, { status: 503 }]);
    await assert.rejects(makeClient({ maxRetries: 1 }).create(ask('a')), ServiceUnavailableError);
    assert.equal(stub.calls.length, 2);
    stub.reset();
    stub.script([{ status: 503 }, { status: 503 }]);
    await assert.rejects(makeClient().create(ask('b'), { maxRetries: 0 }), ServiceUnavailableError);
    assert.equal(stub.calls.length, 1);
  });

  test('non-retryable errors surface at once', async () => {
    stub.script([{ status: 400 }, { status: 400 }]);
    await assert.rejects(makeClient().create(ask('bad')), InvalidRequestError);
    assert.equal(stub.calls.length, 1);
  });

  test('Retry-After is honoured', async () => {
    stub.script([{ status: 429, headers: { 'retry-after': '1' } }]);
    const started = performance.now();
    const response = await makeClient().create(ask('later'));
    assert.equal(response.choices[0].message.content, 'echo: later');
    assert.ok(performance.now() - started >= 950, 'waited for Retry-After');
    assert.equal(stub.calls.length, 2);
  });

  test('an AbortSignal cancels a request in flight: APIUserAbortError, not a network error', async () => {
    stub.script([{ status: 200, delayMs: 1200 }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(makeClient().create(ask('slow'), { signal: controller.signal }), (error) => {
      assert.ok(error instanceof APIUserAbortError);
      assert.equal(error instanceof APIConnectionError, false);
      return true;
    });
  });

  test('an AbortSignal cancels the wait between retries', async () => {
    const client = makeClient();
    await client.create(ask('warm up'));
    stub.reset();
    stub.script([{ status: 503, headers: { 'retry-after': '30' } }]);
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(client.create(ask('wait'), { signal: controller.signal }), APIUserAbortError);
    assert.ok(performance.now() - started < 10_000);
    assert.equal(stub.calls.length, 1);
  });

  test("one caller aborting during the shared server-key fetch does not fail the others", async () => {
    const client = makeClient();
    const controller = new AbortController();
    const aborted = client.create(ask('abort me'), { signal: controller.signal });
    const other = client.create(ask('keep me'));
    controller.abort();
    await assert.rejects(aborted, APIUserAbortError);
    assert.equal((await other).choices[0].message.content, 'echo: keep me');
  });

  test('parameters that cannot be serialised are an InvalidRequestError, and nothing is sent', async () => {
    const client = makeClient();
    const before = proxy.exchanges.length;
    const cyclic = { role: 'user', content: 'x' };
    cyclic.self = cyclic;
    for (const params of [{ ...ask('x'), seed: 10n }, { model: MODEL, messages: [cyclic] }]) {
      await assert.rejects(client.create(params), (error) => {
        assert.ok(error instanceof InvalidRequestError);
        assert.match(error.message, /JSON-serialisable/);
        return true;
      });
    }
    assert.equal(proxy.exchanges.length, before);
  });

  test('a timeout is an APITimeoutError, a kind of APIConnectionError', async () => {
    stub.script([{ status: 200, delayMs: 1200 }]);
    await assert.rejects(makeClient({ timeout: 200 }).create(ask('slow'), { maxRetries: 0 }), (error) => {
      assert.ok(error instanceof APITimeoutError);
      assert.ok(error instanceof APIConnectionError);
      assert.equal(error.code, 'timeout');
      return true;
    });
  });

  test('an unreachable server is an APIConnectionError after the retries', async () => {
    const client = makeClient({ baseUrl: 'http://127.0.0.1:9', maxRetries: 1 });
    await assert.rejects(client.create(ask('anyone?')), (error) => {
      assert.equal(error.constructor, APIConnectionError);
      return true;
    });
  });

  test('plain HTTP without allowHttp is a SecurityError before anything is sent', () => {
    assert.throws(() => new SecureChatCompletion({ baseUrl: router.baseUrl }), SecurityError);
    assert.throws(() => new SecureChatCompletion({ baseUrl: 'ftp://example.com' }), InvalidRequestError);
  });
});

describe('an attacker on the wire', () => {
  const tamper = async (rewrite) => {
    proxy.setRewrite((exchange) => (exchange.path === '/v1/chat/secure_completion' ? rewrite(exchange) : undefined));
    try {
      return await makeClient({ maxRetries: 0 }).create(ask('tamper target')).then(() => undefined, (error) => error);
    } finally {
      proxy.setRewrite(undefined);
    }
  };
  const reshape = (fn) => ({ body }) => {
    const envelope = JSON.parse(body);
    fn(envelope);
    return Buffer.from(JSON.stringify(envelope));
  };
  const flip = (b64) => {
    const bytes = Buffer.from(b64, 'base64');
    bytes[0] ^= 0x80;
    return bytes.toString('base64');
  };

  const cases = [
    ['a flipped tag bit', reshape((e) => (e.encrypted_payload.tag = flip(e.encrypted_payload.tag))), 'decryption_failed'],
    ['a flipped ciphertext bit', reshape((e) => (e.encrypted_payload.ciphertext = flip(e.encrypted_payload.ciphertext))), 'decryption_failed'],
    ['a re-wrapped key', reshape((e) => (e.encrypted_aes_key = flip(e.encrypted_aes_key))), 'decryption_failed'],
    ['a version downgrade', reshape((e) => (e.version = '0.9')), 'downgrade'],
    ['an algorithm downgrade', reshape((e) => (e.algorithm = 'hybrid-aes128-rsa1024')), 'downgrade'],
    ['a malformed envelope', () => Buffer.from('{"version":"1.0"'), 'malformed_envelope'],
  ];
  for (const [name, rewrite, reason] of cases) {
    test(`${name} is a SecurityError with the one fixed message`, async () => {
      const error = await tamper(rewrite);
      assert.ok(error instanceof SecurityError, String(error));
      assert.equal(error.message, 'The response failed security validation');
      assert.equal(error.reason, reason);
    });
  }

  test('a response swapped from another request of the same client is detected', async () => {
    const client = makeClient({ maxRetries: 0 });
    await client.create(ask('first request'));
    const recorded = proxy.completions().at(-1).responseBody;
    proxy.setRewrite((exchange) => (exchange.path === '/v1/chat/secure_completion' ? recorded : undefined));
    await assert.rejects(client.create(ask('second request')), (error) => {
      assert.ok(error instanceof SecurityError);
      assert.equal(error.reason, 'payload_id_mismatch');
      return true;
    });
  });

  test('a pinned server key is accepted; a substituted one is refused', async () => {
    const { importPublicKeyPem } = await import('nomyo-js/protocol');
    const pem = await (await fetch(`${router.baseUrl}/pki/public_key`)).text();
    const { fingerprint } = await importPublicKeyPem(pem);
    const pinned = makeClient({ serverKeyFingerprint: fingerprint.replace(/(..)(?!$)/g, '$1:').toUpperCase() });
    assert.equal((await pinned.create(ask('pinned'))).choices[0].message.content, 'echo: pinned');
    const wrongPin = makeClient({ serverKeyFingerprint: 'ab'.repeat(32), maxRetries: 0 });
    await assert.rejects(wrongPin.create(ask('substituted')), SecurityError);
  });
});

describe('keys under load', () => {
  test('rotation under concurrent requests never fails a request', async () => {
    const client = makeClient({ keyDir: undefined, keyRotationInterval: 100 });
    const before = proxy.completions().length;
    let results = 0;
    for (let wave = 0; wave < 40; wave++) {
      const batch = await Promise.all(Array.from({ length: 8 }, (_, i) => client.create(ask(`wave ${wave} #${i}`))));
      batch.forEach((response, i) => assert.equal(response.choices[0].message.content, `echo: wave ${wave} #${i}`));
      results += batch.length;
      const keys = new Set(proxy.completions().slice(before).map((e) => e.headers['x-public-key']));
      if (keys.size >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    const keys = new Set(proxy.completions().slice(before).map((e) => e.headers['x-public-key']));
    assert.ok(keys.size >= 2, `rotated at least once during ${results} requests (saw ${keys.size} keys)`);
  });
});

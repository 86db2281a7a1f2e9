// The router's endpoints and the wire format, through a real router process
// with the server fixture key and a real stub upstream.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { open, parseEnvelope, importPrivateKeyDer, pemToDer } from 'nomyo-js/protocol';
import { fixtureKey, pythonVectorPath } from '../../../test/support/paths.mjs';
import { startRouter } from '../../../test/support/router.mjs';
import { startStubUpstream } from '../../../test/support/stub-upstream.mjs';
import { secureClient, userRequest } from './support/wire.mjs';

let stub;
let router;
let client;

before(async () => {
  stub = await startStubUpstream();
  router = await startRouter({ upstream: stub.url });
  client = await secureClient(router.baseUrl);
});
after(async () => {
  await router?.stop();
  await stub?.close();
});

describe('plain endpoints', () => {
  test('GET /pki/public_key serves the server key as SPKI PEM text', async () => {
    const response = await fetch(`${router.baseUrl}/pki/public_key`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^text\/plain/);
    assert.equal(await response.text(), readFileSync(fixtureKey('server').publicKey, 'utf8'));
  });

  test('GET /healthz reports the engine and readiness', async () => {
    const response = await fetch(`${router.baseUrl}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok', engine: 'upstream', ready: true });
  });

  test('unknown path → 404, wrong method → 405 with Allow, both {"detail"} JSON', async () => {
    const missing = await fetch(`${router.baseUrl}/v1/chat/completions`, { method: 'POST', body: '{}' });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), 'application/json');
    assert.deepEqual(await missing.json(), { detail: 'not found' });
    const wrong = await fetch(`${router.baseUrl}/v1/chat/secure_completion`);
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'POST, OPTIONS');
    assert.deepEqual(await wrong.json(), { detail: 'method not allowed' });
    const wrongKey = await fetch(`${router.baseUrl}/pki/public_key`, { method: 'POST' });
    assert.equal(wrongKey.status, 405);
  });
});

describe('a secure completion', () => {
  test('answers with an envelope sealed to X-Public-Key, with _metadata and processed_at', async () => {
    const payloadId = crypto.randomUUID();
    const before = Math.floor(Date.now() / 1000);
    const answer = await client.complete(userRequest('Hello there, router', { stream: true, temperature: 0.5 }), { 'x-payload-id': payloadId });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('content-type'), 'application/json');
    const { envelope, completion } = answer;
    assert.equal(envelope.version, '1.0');
    assert.equal(envelope.algorithm, 'hybrid-aes256-rsa4096');
    assert.equal(envelope.key_algorithm, 'RSA-OAEP-SHA256');
    assert.equal(envelope.payload_algorithm, 'AES-256-GCM');
    assert.ok(Number.isInteger(envelope.processed_at) && envelope.processed_at >= before);
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, 'test-model');
    assert.equal(completion.choices[0].message.content, 'echo: Hello there, router');
    assert.deepEqual(completion._metadata, {
      payload_id: payloadId,
      processed_at: envelope.processed_at,
      is_encrypted: true,
      response_status: 'success',
      security_tier: 'standard',
    });
    // The engine got the decrypted request, `stream` forced off, other parameters intact.
    const call = stub.calls.at(-1);
    assert.equal(call.stream, false);
    assert.equal(call.temperature, 0.5);
    assert.deepEqual(call.messages, [{ role: 'user', content: 'Hello there, router' }]);
  });

  test('X-Security-Tier is honoured and echoed in _metadata', async () => {
    const answer = await client.complete(userRequest('tiered'), { 'x-security-tier': 'maximum' });
    assert.equal(answer.status, 200);
    assert.equal(answer.completion._metadata.security_tier, 'maximum');
  });

  test('X-Public-Key is accepted as encodeURIComponent output as well as Python quote() output', async () => {
    assert.match(client.keys.header, /\//, 'the default header keeps "/" as quote() does');
    const answer = await client.complete(userRequest('component'), { 'x-public-key': encodeURIComponent(client.keys.publicKeyPem) });
    assert.equal(answer.status, 200);
    assert.equal(answer.completion.choices[0].message.content, 'echo: component');
  });

  test('an envelope sealed by Python cryptography (the fixed vector) opens with the server fixture key', async () => {
    const vector = JSON.parse(readFileSync(pythonVectorPath, 'utf8'));
    const serverPrivate = await importPrivateKeyDer(pemToDer(readFileSync(fixtureKey('server').privateKey, 'utf8'), 'PRIVATE KEY'));
    const opened = await open(parseEnvelope(JSON.stringify(vector.envelope)), serverPrivate);
    assert.equal(new TextDecoder().decode(opened), vector.plaintext);
    // …and the router, holding the same key, opens it too and forwards exactly that request.
    const answer = await client.post(JSON.stringify(vector.envelope));
    assert.equal(answer.status, 200);
    const { completion } = await client.open(answer.text);
    assert.equal(completion.choices[0].message.content, 'echo: Fixed vector: h\u00e9llo \u2603');
    assert.deepEqual({ ...stub.calls.at(-1), stream: undefined }, { ...JSON.parse(vector.plaintext), stream: undefined });
  });
});

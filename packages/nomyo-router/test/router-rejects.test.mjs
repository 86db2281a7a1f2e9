// Everything the router must refuse, each with its status and a detail that
// never quotes decrypted content, and the router still serving afterwards.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { MAX_ENVELOPE_BYTES, MAX_PLAINTEXT_BYTES, encodeBase64, encodePublicKeyHeader, importPublicKeyPem } from 'nomyo-js/protocol';
import { fixtureKey } from '../../../test/support/paths.mjs';
import { startRouter } from '../../../test/support/router.mjs';
import { startStubUpstream } from '../../../test/support/stub-upstream.mjs';
import { rawPost, secureClient, userRequest } from './support/wire.mjs';

let stub;
let router;
let client;
let goodBody;

before(async () => {
  stub = await startStubUpstream();
  router = await startRouter({ upstream: stub.url });
  client = await secureClient(router.baseUrl);
  goodBody = await client.seal(userRequest('a perfectly good request'));
});
after(async () => {
  await router?.stop();
  await stub?.close();
});

async function expectStillServing() {
  const answer = await client.complete(userRequest('still here'));
  assert.equal(answer.status, 200);
  assert.equal(answer.completion.choices[0].message.content, 'echo: still here');
}

async function expectRefused(body, headers, status, detail) {
  const callsBefore = stub.calls.length;
  const response = await client.post(body, headers);
  assert.equal(response.status, status, response.text);
  assert.equal(response.headers.get('content-type'), 'application/json');
  const parsed = JSON.parse(response.text);
  assert.deepEqual(Object.keys(parsed), ['detail']);
  if (detail instanceof RegExp) assert.match(parsed.detail, detail);
  else assert.equal(parsed.detail, detail);
  assert.equal(stub.calls.length, callsBefore, 'a refused request never reaches the engine');
  return parsed.detail;
}

function mutate(body, change) {
  const envelope = JSON.parse(body);
  change(envelope);
  return JSON.stringify(envelope);
}

const b64 = (length) => encodeBase64(new Uint8Array(length));

describe('malformed envelopes → 400', () => {
  const cases = [
    ['not JSON', () => 'this is not json', /^invalid envelope: /],
    ['truncated JSON', () => goodBody.slice(0, goodBody.length / 2), /^invalid envelope: /],
    ['a JSON array', () => '[]', /^invalid envelope: /],
    ['version 2.0 (downgrade/upgrade)', () => mutate(goodBody, (e) => (e.version = '2.0')), 'invalid envelope: unsupported envelope version'],
    ['another algorithm', () => mutate(goodBody, (e) => (e.algorithm = 'hybrid-aes128-rsa1024')), 'invalid envelope: unsupported envelope algorithm'],
    ['another key algorithm', () => mutate(goodBody, (e) => (e.key_algorithm = 'RSA-OAEP-SHA1')), 'invalid envelope: unsupported key algorithm'],
    ['nonce not base64', () => mutate(goodBody, (e) => (e.encrypted_payload.nonce = '***not base64***')), /nonce/],
    ['URL-safe base64 ciphertext', () => mutate(goodBody, (e) => (e.encrypted_payload.ciphertext = '-_-_')), /ciphertext/],
    ['8-byte nonce', () => mutate(goodBody, (e) => (e.encrypted_payload.nonce = b64(8))), /nonce.*12 bytes/],
    ['12-byte tag', () => mutate(goodBody, (e) => (e.encrypted_payload.tag = b64(12))), /tag.*16 bytes/],
    ['missing wrapped key', () => mutate(goodBody, (e) => delete e.encrypted_aes_key), /encrypted_aes_key/],
    ['64-byte wrapped key', () => mutate(goodBody, (e) => (e.encrypted_aes_key = b64(64))), /encrypted_aes_key/],
  ];
  for (const [name, body, detail] of cases) test(name, () => expectRefused(body(), {}, 400, detail));
});

describe('undecryptable → 400 with one opaque detail', () => {
  test('tampered ciphertext, tampered tag, wrong recipient key all read "decryption failed"', async () => {
    const flipFirst = (value) => {
      const bytes = Buffer.from(value, 'base64');
      bytes[0] ^= 1;
      return bytes.toString('base64');
    };
    await expectRefused(mutate(goodBody, (e) => (e.encrypted_payload.ciphertext = flipFirst(e.encrypted_payload.ciphertext))), {}, 400, 'decryption failed');
    await expectRefused(mutate(goodBody, (e) => (e.encrypted_payload.tag = flipFirst(e.encrypted_payload.tag))), {}, 400, 'decryption failed');
    await expectRefused(mutate(goodBody, (e) => (e.encrypted_aes_key = flipFirst(e.encrypted_aes_key))), {}, 400, 'decryption failed');
    const sealedToClient = await (await import('./support/wire.mjs')).sealRequest(userRequest('x'), (await importPublicKeyPem(client.keys.publicKeyPem)).key);
    await expectRefused(sealedToClient, {}, 400, 'decryption failed');
  });

  test('decrypted bytes that are not a chat request → 400, without quoting them', async () => {
    await expectRefused(await client.seal('SECRET-not-json'), {}, 400, 'decrypted request is not valid UTF-8 JSON');
    const detail = await expectRefused(
      await client.seal({ messages: [{ role: 'user', content: 'SECRET prompt' }] }),
      {},
      400,
      'decrypted request must be a JSON object with a string "model" and a "messages" array',
    );
    assert.doesNotMatch(detail, /SECRET/);
    await expectRefused(await client.seal({ model: 'SECRET-model', messages: 'SECRET' }), {}, 400, /must be a JSON object/);
    await expectRefused(await client.seal(['SECRET']), {}, 400, /must be a JSON object/);
    assert.ok(!router.stderrLines.some((line) => line.includes('SECRET')), 'nothing decrypted reaches the logs');
  });
});

describe('bad headers → 400', () => {
  test('X-Payload-ID missing, too long, or with spaces', async () => {
    const detail = 'X-Payload-ID must be 1 to 128 printable ASCII characters';
    await expectRefused(goodBody, { 'x-payload-id': undefined }, 400, detail);
    await expectRefused(goodBody, { 'x-payload-id': 'a'.repeat(129) }, 400, detail);
    await expectRefused(goodBody, { 'x-payload-id': 'has space' }, 400, detail);
    const ok = await client.post(goodBody, { 'x-payload-id': 'p'.repeat(128) });
    assert.equal(ok.status, 200);
  });

  test('X-Public-Key missing, not percent-decodable, not a key, or a 1024-bit key', async () => {
    const keyDetail = 'X-Public-Key must be a percent-encoded PEM RSA public key of 2048 to 8192 bits';
    await expectRefused(goodBody, { 'x-public-key': undefined }, 400, 'X-Public-Key header is required');
    await expectRefused(goodBody, { 'x-public-key': '%ZZ-----BEGIN' }, 400, keyDetail);
    await expectRefused(goodBody, { 'x-public-key': 'hello' }, 400, keyDetail);
    const weak = encodePublicKeyHeader(readFileSync(fixtureKey('weak-1024').publicKey, 'utf8'));
    await expectRefused(goodBody, { 'x-public-key': weak }, 400, keyDetail);
    // The unencoded PEM cannot even be sent: header values cannot hold newlines.
  });

  test('X-Security-Tier outside standard/high/maximum', async () => {
    for (const tier of ['ultra', 'Standard', '']) {
      await expectRefused(goodBody, { 'x-security-tier': tier }, 400, 'X-Security-Tier must be one of standard, high, maximum');
    }
  });
});

describe('size limits → 413, and the router keeps serving', () => {
  test('a body past MAX_ENVELOPE_BYTES with Content-Length', async () => {
    const response = await client.post(new Uint8Array(MAX_ENVELOPE_BYTES + 1).fill(0x20));
    assert.equal(response.status, 413);
    assert.deepEqual(JSON.parse(response.text), { detail: `request body exceeds ${MAX_ENVELOPE_BYTES} bytes` });
    await expectStillServing();
  });

  test('a chunked body that grows past the limit', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const chunks = Array.from({ length: Math.ceil(MAX_ENVELOPE_BYTES / chunk.length) + 1 }, () => chunk);
    const response = await rawPost(router.baseUrl, { headers: { 'x-payload-id': 'big', 'x-public-key': client.keys.header }, chunks });
    assert.equal(response.status, 413);
    assert.equal(response.headers.connection, 'close');
    await expectStillServing();
  });

  test('a Content-Length far beyond anything the router would read is refused at once', async () => {
    const response = await rawPost(router.baseUrl, {
      headers: { 'content-length': String(1024 ** 3), 'x-payload-id': 'huge', 'x-public-key': client.keys.header },
      chunks: [Buffer.alloc(1024)],
      abortAfterChunks: 1,
    });
    // Either the 413 arrives before our side gives up, or the socket is closed on us; never a hang.
    if (response.status !== undefined) assert.equal(response.status, 413);
    await expectStillServing();
  });

  test('an envelope whose plaintext is over 10 MiB (body itself under the envelope limit)', async () => {
    const plaintext = new Uint8Array(MAX_PLAINTEXT_BYTES + 1).fill(0x20);
    const body = await client.seal(plaintext);
    assert.ok(body.length < MAX_ENVELOPE_BYTES);
    await expectRefused(body, {}, 413, 'decrypted request exceeds 10 MiB');
    await expectStillServing();
  });
});

describe('broken connections', () => {
  test('a body cut short (client aborts mid-body) leaves the router serving', async () => {
    const half = Buffer.from(goodBody.slice(0, 500));
    const response = await rawPost(router.baseUrl, {
      headers: { 'content-length': String(goodBody.length), 'x-payload-id': 'cut', 'x-public-key': client.keys.header },
      chunks: [half],
      abortAfterChunks: 1,
    });
    assert.ok(response.error, 'the client hung up without an answer');
    await expectStillServing();
    const logged = router.stderrLines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request' && entry.path === '/v1/chat/secure_completion');
    assert.ok(logged.some((entry) => entry.status === 400), 'the aborted request was logged as a 400');
  });

  test('many concurrent garbage requests do not stop good ones', async () => {
    const garbage = Array.from({ length: 30 }, () => client.post('{"version":"1.0"'));
    const good = Array.from({ length: 5 }, (_, i) => client.complete(userRequest(`good ${i}`)));
    const results = await Promise.all([...garbage, ...good]);
    assert.deepEqual(results.slice(0, 30).map((r) => r.status), Array(30).fill(400));
    assert.deepEqual(results.slice(30).map((r) => r.completion.choices[0].message.content), [0, 1, 2, 3, 4].map((i) => `echo: good ${i}`));
  });
});

// Wire compatibility proved against an independent implementation (Python's
// `cryptography`), in both directions, plus the strictness of envelope parsing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as protocol from 'nomyo-js/protocol';
import { fixtureKey, pythonBin, pythonVectorPath } from '../../../test/support/paths.mjs';

const vector = JSON.parse(readFileSync(pythonVectorPath, 'utf8'));

async function fixturePrivateKey(name) {
  const der = createPrivateKey(readFileSync(fixtureKey(name).privateKey)).export({ type: 'pkcs8', format: 'der' });
  return protocol.importPrivateKeyDer(new Uint8Array(der));
}

function python(script, input) {
  return execFileSync(pythonBin(), ['-c', script], { input, encoding: 'utf8' });
}

test('opens an envelope sealed by Python cryptography', async () => {
  const privateKey = await fixturePrivateKey('server');
  const parts = protocol.parseEnvelope(JSON.stringify(vector.envelope));
  const plaintext = await protocol.open(parts, privateKey);
  assert.equal(new TextDecoder().decode(plaintext), vector.plaintext);
});

test('Python cryptography opens an envelope sealed by us (tag separate, no AAD, OAEP-SHA256)', async () => {
  const recipient = await protocol.importPublicKeyPem(readFileSync(fixtureKey('client').publicKey, 'utf8'));
  const message = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'héllo ☃ from JS' }] });
  const envelope = await protocol.seal(new TextEncoder().encode(message), recipient.key);
  assert.equal(Buffer.from(envelope.encrypted_payload.nonce, 'base64').length, 12);
  assert.equal(Buffer.from(envelope.encrypted_payload.tag, 'base64').length, 16);
  assert.equal(Buffer.from(envelope.encrypted_payload.ciphertext, 'base64').length, Buffer.byteLength(message));
  const opened = python(
    `
import base64, json, sys
from cryptography.hazmat.primitives import serialization, hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
env = json.load(sys.stdin)
key = serialization.load_pem_private_key(open(${JSON.stringify(fixtureKey('client').privateKey)}, 'rb').read(), None)
aes = key.decrypt(base64.b64decode(env['encrypted_aes_key']), padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
p = env['encrypted_payload']
d = Cipher(algorithms.AES(aes), modes.GCM(base64.b64decode(p['nonce']), base64.b64decode(p['tag']))).decryptor()
sys.stdout.write((d.update(base64.b64decode(p['ciphertext'])) + d.finalize()).decode())
`,
    protocol.serializeEnvelope(envelope),
  );
  assert.equal(opened, message);
});

test('every seal uses a fresh AES key and nonce', async () => {
  const recipient = await protocol.importPublicKeyPem(readFileSync(fixtureKey('client').publicKey, 'utf8'));
  const bytes = new TextEncoder().encode('same message');
  const a = await protocol.seal(bytes, recipient.key);
  const b = await protocol.seal(bytes, recipient.key);
  assert.notEqual(a.encrypted_payload.nonce, b.encrypted_payload.nonce);
  assert.notEqual(a.encrypted_aes_key, b.encrypted_aes_key);
  assert.notEqual(a.encrypted_payload.ciphertext, b.encrypted_payload.ciphertext);
});

test('X-Public-Key encoding is byte-identical to urllib.parse.quote, and both encodings decode', () => {
  const pem = readFileSync(fixtureKey('client').publicKey, 'utf8');
  const quoted = python('import sys, urllib.parse; sys.stdout.write(urllib.parse.quote(sys.stdin.read()))', pem);
  assert.equal(protocol.encodePublicKeyHeader(pem), quoted);
  assert.equal(protocol.decodePublicKeyHeader(quoted), pem);
  assert.equal(protocol.decodePublicKeyHeader(encodeURIComponent(pem)), pem);
});

test('base64 is standard and padded, and round-trips every length', () => {
  for (let n = 0; n < 40; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
    const encoded = protocol.encodeBase64(bytes);
    assert.equal(encoded, Buffer.from(bytes).toString('base64'));
    assert.deepEqual(protocol.decodeBase64(encoded), bytes);
  }
  for (const bad of ['abc', 'ab-_', 'YQ', 'YQ=', 'Y Q==', 'YQ==YQ==', '====']) {
    assert.equal(protocol.isBase64(bad), false, bad);
  }
});

test('parseEnvelope refuses downgrades and malformed envelopes with a named problem', () => {
  const good = vector.envelope;
  const cases = [
    ['not json', 'not_json'],
    ['[]', 'not_object'],
    [{ ...good, version: '0.9' }, 'unsupported_version'],
    [{ ...good, algorithm: 'hybrid-aes128-rsa2048' }, 'unsupported_algorithm'],
    [{ ...good, key_algorithm: 'RSA-OAEP-SHA1' }, 'unsupported_key_algorithm'],
    [{ ...good, payload_algorithm: 'AES-128-CBC' }, 'unsupported_payload_algorithm'],
    [{ ...good, encrypted_aes_key: undefined }, 'missing_field'],
    [{ ...good, encrypted_payload: { ...good.encrypted_payload, tag: undefined } }, 'missing_field'],
    [{ ...good, encrypted_payload: { ...good.encrypted_payload, nonce: 'AAAA' } }, 'bad_field'],
    [{ ...good, encrypted_payload: { ...good.encrypted_payload, tag: 'AAAAAAAAAAAAAAAAAAAAAA' } }, 'bad_field'],
    [{ ...good, encrypted_payload: { ...good.encrypted_payload, ciphertext: 'not base64!' } }, 'bad_field'],
    [{ ...good, encrypted_aes_key: 'AAAA' }, 'bad_field'],
    [{ ...good, encrypted_payload: 'x' }, 'bad_field'],
  ];
  for (const [input, problem] of cases) {
    const body = typeof input === 'string' ? input : JSON.stringify(input);
    assert.throws(() => protocol.parseEnvelope(body), (error) => error.problem === problem, problem);
  }
});

test('a flipped bit anywhere fails with the same opaque error', async () => {
  const privateKey = await fixturePrivateKey('server');
  const wrongKey = await fixturePrivateKey('client');
  const flip = (b64, at) => {
    const bytes = Buffer.from(b64, 'base64');
    bytes[at % bytes.length] ^= 1;
    return bytes.toString('base64');
  };
  const p = vector.envelope.encrypted_payload;
  const tampered = [
    { ...vector.envelope, encrypted_payload: { ...p, ciphertext: flip(p.ciphertext, 3) } },
    { ...vector.envelope, encrypted_payload: { ...p, tag: flip(p.tag, 0) } },
    { ...vector.envelope, encrypted_payload: { ...p, nonce: flip(p.nonce, 5) } },
    { ...vector.envelope, encrypted_aes_key: flip(vector.envelope.encrypted_aes_key, 100) },
  ];
  const messages = new Set();
  for (const envelope of tampered) {
    await assert.rejects(protocol.open(protocol.parseEnvelope(JSON.stringify(envelope)), privateKey), (error) => {
      messages.add(`${error.name}: ${error.message}`);
      return error instanceof protocol.DecryptionFailedError;
    });
  }
  await assert.rejects(protocol.open(protocol.parseEnvelope(JSON.stringify(vector.envelope)), wrongKey), (error) => {
    messages.add(`${error.name}: ${error.message}`);
    return true;
  });
  assert.deepEqual([...messages], ['DecryptionFailedError: decryption failed']);
});

test('public keys under 2048 bits are refused; the fingerprint is SHA-256 of the SPKI', async () => {
  await assert.rejects(protocol.importPublicKeyPem(readFileSync(fixtureKey('weak-1024').publicKey, 'utf8')), /1024 bits refused/);
  const pem = readFileSync(fixtureKey('server').publicKey, 'utf8');
  const info = await protocol.importPublicKeyPem(pem);
  const expected = python(
    'import sys, hashlib; from cryptography.hazmat.primitives import serialization as s; ' +
      'k = s.load_pem_public_key(sys.stdin.read().encode()); ' +
      'sys.stdout.write(hashlib.sha256(k.public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo)).hexdigest())',
    pem,
  );
  assert.equal(info.fingerprint, expected);
  assert.equal(info.bits, 4096);
});

// keyDir files move between this client and the reference Python client
// (nomyo 0.2.9 `key_dir`): same names, same formats, same permissions.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SecurityError } from 'nomyo-js';
import { KeyManager, prepareDelay } from '../dist/node/keys/key-manager.js';
import { loadOrCreateKeyFiles } from '../dist/node/keys/node-store.js';
import { clientEncryptedPassword, fixtureKey, pythonBin } from '../../../test/support/paths.mjs';

const silent = {};

function tempDir() {
  return mkdtempSync(join(tmpdir(), 'nomyo-keys-'));
}

function copyFixture(name) {
  const dir = tempDir();
  copyFileSync(fixtureKey(name).privateKey, join(dir, 'private_key.pem'));
  copyFileSync(fixtureKey(name).publicKey, join(dir, 'public_key.pem'));
  return dir;
}

/** Loads a key_dir with the reference client's own load_keys and prints its public PEM. */
function pythonLoad(dir, password) {
  const script = `
import sys
from nomyo.SecureCompletionClient import SecureCompletionClient
c = SecureCompletionClient(router_url='https://example.invalid')
c.load_keys(sys.argv[1] + '/private_key.pem', None, sys.argv[2] if len(sys.argv) > 2 else None)
sys.stdout.write(c.public_key_pem)
`;
  const args = ['-c', script, dir, ...(password ? [password] : [])];
  return execFileSync(pythonBin(), args, { encoding: 'utf8' });
}

const samePem = (a, b) => assert.equal(a.trim(), b.trim());

test('creates private_key.pem (0600) and public_key.pem (0644) that the Python client loads', async () => {
  const dir = tempDir();
  const stored = await loadOrCreateKeyFiles(dir);
  assert.equal(stored.created, true);
  assert.equal(statSync(join(dir, 'private_key.pem')).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'public_key.pem')).mode & 0o777, 0o644);
  assert.match(readFileSync(join(dir, 'private_key.pem'), 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
  samePem(pythonLoad(dir), stored.publicKeyPem);
  samePem(readFileSync(join(dir, 'public_key.pem'), 'utf8'), stored.publicKeyPem);
  const again = await loadOrCreateKeyFiles(dir);
  assert.equal(again.created, false);
  samePem(again.publicKeyPem, stored.publicKeyPem);
});

test('a password encrypts the private key as PKCS#8 that the Python client opens with the same password', async () => {
  const dir = tempDir();
  const stored = await loadOrCreateKeyFiles(dir, 'pa55word');
  assert.match(readFileSync(join(dir, 'private_key.pem'), 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
  samePem(pythonLoad(dir, 'pa55word'), stored.publicKeyPem);
});

test("loads the Python client's key files, plain and password-protected", async () => {
  const plain = await loadOrCreateKeyFiles(copyFixture('client'));
  samePem(plain.publicKeyPem, readFileSync(fixtureKey('client').publicKey, 'utf8'));
  const encrypted = await loadOrCreateKeyFiles(copyFixture('client-encrypted'), clientEncryptedPassword);
  samePem(encrypted.publicKeyPem, readFileSync(fixtureKey('client-encrypted').publicKey, 'utf8'));
});

test('a wrong password is a SecurityError and the key file is left untouched', async () => {
  const dir = copyFixture('client-encrypted');
  const before = readFileSync(join(dir, 'private_key.pem'));
  const keys = new KeyManager({ keyDir: dir, keyPassword: 'wrong', rotationInterval: 0, logger: silent });
  await assert.rejects(keys.current(), (error) => {
    assert.ok(error instanceof SecurityError);
    assert.doesNotMatch(error.message, /wrong"|BEGIN|PRIVATE KEY-----/);
    return true;
  });
  assert.deepEqual(readFileSync(join(dir, 'private_key.pem')), before);
  keys.dispose();
});

test('a keyDir key is imported non-extractable', async () => {
  const keys = new KeyManager({ keyDir: copyFixture('client'), rotationInterval: 0, logger: silent });
  const pair = await keys.current();
  assert.equal(pair.privateKey.extractable, false);
  assert.deepEqual(pair.privateKey.usages, ['decrypt']);
  keys.dispose();
});

test('the next key is generated shortly before a rotation is due, not at start-up', () => {
  assert.equal(prepareDelay(3_600_000), 3_540_000);
  assert.equal(prepareDelay(100), 50);
  assert.equal(prepareDelay(0), 0);
});

test('rotation swaps in a pre-generated key without waiting, and dispose drops everything', async () => {
  const keys = new KeyManager({ rotationInterval: 1000, logger: silent });
  const first = await keys.current();
  assert.equal(first.privateKey.extractable, false);
  for (let i = 0; i < 600 && keys.rotations === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
  assert.ok(keys.rotations >= 1, 'rotated within 15 s');
  const second = await keys.current();
  assert.notEqual(second.publicKeyPem, first.publicKeyPem);
  assert.equal(keys.rotate(), false, 'no key is ready right after a rotation: the next one is not generated yet');
  keys.dispose();
  await assert.rejects(keys.current(), { name: 'ClientDisposedError', code: 'client_disposed' });
});

// The router as an operator runs it: key files, command-line errors, graceful
// shutdown, and CORS for browser clients.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { clientEncryptedPassword, fixtureKey, routerCliPath } from '../../../test/support/paths.mjs';
import { startRouter } from '../../../test/support/router.mjs';
import { startStubUpstream } from '../../../test/support/stub-upstream.mjs';
import { secureClient, userRequest } from './support/wire.mjs';

let stub;
let dir;

before(async () => {
  stub = await startStubUpstream();
  dir = mkdtempSync(join(tmpdir(), 'nomyo-router-lifecycle-'));
});
after(async () => {
  await stub?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI to completion (for flags that exit): { code, stdout, stderr }. */
async function runCli(args, env = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [routerCliPath, ...args], { env: { ...process.env, ...env }, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    return { code: error.code, stdout: error.stdout, stderr: error.stderr };
  }
}

async function publicKeyOf(router) {
  return (await fetch(`${router.baseUrl}/pki/public_key`)).text();
}

function fixtureCopy(name, mode = 0o600) {
  const path = join(dir, `${name}-${Math.random().toString(36).slice(2)}.pem`);
  copyFileSync(fixtureKey(name).privateKey, path);
  chmodSync(path, mode);
  return path;
}

describe('server key', () => {
  test('--key-file that does not exist is created (PKCS#8 PEM, 0600) and reused across restarts', async () => {
    const keyFile = join(dir, 'created', 'private_key.pem');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'created'));
    const first = await startRouter({ upstream: stub.url, keyFile });
    const firstKey = await publicKeyOf(first);
    await first.stop();
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.match(readFileSync(keyFile, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
    const second = await startRouter({ upstream: stub.url, keyFile });
    assert.equal(await publicKeyOf(second), firstKey);
    const answer = await (await secureClient(second.baseUrl)).complete(userRequest('same key'));
    assert.equal(answer.status, 200);
    await second.stop();
    const { importPublicKeyPem } = await import('nomyo-js/protocol');
    assert.equal((await importPublicKeyPem(firstKey)).bits, 4096);
  });

  test('an encrypted PKCS#8 key written by Python opens with --key-password or NOMYO_ROUTER_KEY_PASSWORD', async () => {
    const expected = readFileSync(fixtureKey('client-encrypted').publicKey, 'utf8');
    const keyFile = fixtureCopy('client-encrypted');
    const viaFlag = await startRouter({ upstream: stub.url, keyFile, args: ['--key-password', clientEncryptedPassword] });
    assert.equal(await publicKeyOf(viaFlag), expected);
    await viaFlag.stop();
    const viaEnv = await startRouter({ upstream: stub.url, keyFile, env: { NOMYO_ROUTER_KEY_PASSWORD: clientEncryptedPassword } });
    assert.equal(await publicKeyOf(viaEnv), expected);
    await viaEnv.stop();
  });

  test('unusable key files stop startup with a clear message and exit code 2', async () => {
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a key', { mode: 0o600 });
    const encrypted = fixtureCopy('client-encrypted');
    const cases = [
      [[encrypted], /key file .* is encrypted: pass --key-password or set NOMYO_ROUTER_KEY_PASSWORD/],
      [[encrypted, '--key-password', 'wrong'], /is not a readable PKCS#8 PEM private key \(wrong password or corrupt file\)/],
      [[garbage], /is not a readable PKCS#8 PEM private key/],
      [[fixtureCopy('weak-1024')], /must hold an RSA key of at least 2048 bits/],
      [[join(dir, 'no-such-dir', 'key.pem')], /cannot create key file .*ENOENT/],
    ];
    for (const [[keyFile, ...rest], message] of cases) {
      const result = await runCli(['--port', '0', '--upstream', stub.url, '--key-file', keyFile, ...rest]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
      assert.doesNotMatch(result.stderr, /BEGIN|MII/, 'no key material in messages');
    }
  });

  test('a key file readable by others is used, with a warning', async () => {
    const router = await startRouter({ upstream: stub.url, keyFile: fixtureCopy('server', 0o644) });
    await router.stop();
    assert.ok(router.stderrLines.some((line) => /readable by group or others \(mode 644\)/.test(line)));
  });

  test('without --key-file an ephemeral RSA-4096 key is generated', async () => {
    const router = await startRouter({ upstream: stub.url, keyFile: false });
    const pem = await publicKeyOf(router);
    assert.notEqual(pem, readFileSync(fixtureKey('server').publicKey, 'utf8'));
    assert.equal(((await (await import('nomyo-js/protocol')).importPublicKeyPem(pem))).bits, 4096);
    assert.equal((await (await secureClient(router.baseUrl)).complete(userRequest('ephemeral'))).status, 200);
    await router.stop();
  });
});

describe('command line', () => {
  test('--help describes every flag; --version prints the package version', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    for (const flag of ['--host', '--port', '--upstream', '--upstream-api-key', '--upstream-timeout', '--api-key', '--tier-models',
      '--key-file', '--key-password', '--rate-limit', '--model', '--threads', '--cors-origin', '--quiet', '--help', '--version']) {
      assert.match(help.stdout, new RegExp(`^  ${flag} `, 'm'), flag);
    }
    const version = await runCli(['--version']);
    assert.equal(version.stdout, `${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
  });

  test('bad flags exit 2 with a message', async () => {
    for (const [args, message] of [
      [['--bogus'], /Unknown option '--bogus'/],
      [['--port', 'eighty'], /--port must be an integer from 0 to 65535/],
      [['--rate-limit', '0'], /--rate-limit must be an integer from 1/],
      [['--tier-models', 'secret=x'], /--tier-models expects TIER=MODEL/],
    ]) {
      const result = await runCli([...args, '--upstream', stub.url]);
      assert.equal(result.code, 2, `${args}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  test('--quiet drops the request lines', async () => {
    const router = await startRouter({ upstream: stub.url, args: ['--quiet'] });
    await fetch(`${router.baseUrl}/healthz`);
    await router.stop();
    assert.deepEqual(router.stderrLines, []);
  });
});

describe('graceful shutdown', () => {
  test('SIGTERM stops accepting, finishes the in-flight request, then exits 0', async () => {
    const router = await startRouter({ upstream: stub.url });
    const client = await secureClient(router.baseUrl);
    const callsBefore = stub.calls.length;
    stub.script([{ status: 200, delayMs: 1500 }]);
    const slow = client.complete(userRequest('finish me'));
    while (stub.calls.length === callsBefore) await new Promise((resolve) => setTimeout(resolve, 20));
    const exited = router.stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await assert.rejects(fetch(`${router.baseUrl}/healthz`), 'no new connections while draining');
    const answer = await slow;
    assert.equal(answer.status, 200);
    assert.equal(answer.completion.choices[0].message.content, 'echo: finish me');
    assert.deepEqual(await exited, { code: 0, signal: null });
  });

  test('SIGINT on an idle router exits 0', async () => {
    const router = await startRouter({ upstream: stub.url });
    assert.deepEqual(await router.stop('SIGINT'), { code: 0, signal: null });
  });
});

describe('CORS', () => {
  let router;
  let plain;
  before(async () => {
    router = await startRouter({ upstream: stub.url, args: ['--cors-origin', 'http://app.example', '--cors-origin', 'http://localhost:5173'] });
    plain = await startRouter({ upstream: stub.url });
  });
  after(async () => {
    await router.stop();
    await plain.stop();
  });

  const preflight = (baseUrl, origin) =>
    fetch(`${baseUrl}/v1/chat/secure_completion`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-public-key,x-payload-id' },
    });

  test('a preflight from a listed origin allows POST and the protocol headers', async () => {
    const response = await preflight(router.baseUrl, 'http://app.example');
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), 'http://app.example');
    assert.equal(response.headers.get('access-control-allow-methods'), 'POST, OPTIONS');
    assert.equal(response.headers.get('access-control-allow-headers'), 'Authorization, Content-Type, X-Public-Key, X-Payload-ID, X-Security-Tier');
    assert.equal(response.headers.get('access-control-allow-credentials'), null);
    assert.match(response.headers.get('vary'), /Origin/);
  });

  test('a listed origin gets Access-Control-Allow-Origin on answers, exposing only Retry-After and X-Request-ID', async () => {
    const key = await fetch(`${router.baseUrl}/pki/public_key`, { headers: { origin: 'http://localhost:5173' } });
    assert.equal(key.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    assert.equal(key.headers.get('access-control-expose-headers'), 'Retry-After, X-Request-ID');
    const client = await secureClient(router.baseUrl);
    const answer = await client.complete(userRequest('from a browser'), { origin: 'http://app.example' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('access-control-allow-origin'), 'http://app.example');
  });

  test('other origins, and every origin when none is configured, are refused', async () => {
    for (const [baseUrl, origin] of [[router.baseUrl, 'http://evil.example'], [router.baseUrl, 'null'], [plain.baseUrl, 'http://app.example']]) {
      const response = await preflight(baseUrl, origin);
      assert.equal(response.status, 403);
      assert.deepEqual(await response.json(), { detail: 'origin not allowed' });
      assert.equal(response.headers.get('access-control-allow-origin'), null);
      const key = await fetch(`${baseUrl}/pki/public_key`, { headers: { origin } });
      assert.equal(key.headers.get('access-control-allow-origin'), null);
    }
  });
});

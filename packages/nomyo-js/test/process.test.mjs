// Behaviour only visible from outside the process: console output and exit.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { SecureChatCompletion } from 'nomyo-js';
import { repoRoot } from '../../../test/support/paths.mjs';
import { startRouter } from '../../../test/support/router.mjs';
import { startStubUpstream } from '../../../test/support/stub-upstream.mjs';

let stub;
let router;
let children = 0;

before(async () => {
  stub = await startStubUpstream();
  router = await startRouter({ upstream: stub.url, args: ['--api-key', 'sk-test-secret-123'] });
});

after(async () => {
  await router?.stop();
  await stub?.close();
});

/**
 * Runs an ES module in a child Node; asynchronous, because the stub upstream lives
 * in this process. A real file, not `-e`: eval mode exposes built-in modules as
 * globals (`crypto` would be node:crypto).
 */
function runModule(source, env = {}, nodeFlags = []) {
  const started = performance.now();
  const file = join(repoRoot, 'test-output', `child-${process.pid}-${++children}.mjs`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, source);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...nodeFlags, file],
      { cwd: repoRoot, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        rmSync(file, { force: true });
        resolve({ status: error ? (error.code ?? -1) : 0, stdout, stderr, ms: performance.now() - started });
      },
    );
  });
}

test('allowHttp prints exactly one security warning; nothing else reaches the console', async () => {
  const { status, stdout, stderr } = await runModule(
    `import { SecureChatCompletion } from 'nomyo-js';
     const client = new SecureChatCompletion({ baseUrl: process.env.BASE, allowHttp: true, apiKey: 'sk-test-secret-123' });
     for (let i = 0; i < 3; i++) await client.create({ model: 'm', messages: [{ role: 'user', content: 'hi ' + i }] });
     await client.create({ model: 'm', messages: [], api_key: 'wrong' }).catch(() => {});
     client.dispose();`,
    { BASE: router.baseUrl },
  );
  assert.equal(status, 0, stderr);
  assert.equal(stdout, '');
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0], /^nomyo-js: allowHttp is enabled/);
});

test('an https client prints nothing at all', async () => {
  const { status, stdout, stderr } = await runModule(
    `import { SecureChatCompletion } from 'nomyo-js';
     const client = new SecureChatCompletion({ baseUrl: 'https://127.0.0.1:9', maxRetries: 0 });
     await client.create({ model: 'm', messages: [] }).catch((e) => { if (e.name !== 'APIConnectionError') process.exit(3); });
     client.dispose();`,
  );
  assert.equal(status, 0, stderr);
  assert.equal(stdout + stderr, '');
});

test('the rotation timer never keeps a Node process alive (no dispose called)', async () => {
  const { status, stderr, ms } = await runModule(
    `import { SecureChatCompletion } from 'nomyo-js';
     new SecureChatCompletion({ keyRotationInterval: 1000 });`,
  );
  assert.equal(status, 0, stderr);
  // Only the in-flight first key generation may hold it; an interval would hold it forever.
  assert.ok(ms < 30_000);
});

test('the logger hears about requests but never their prompt, key material or API key', async () => {
  const lines = [];
  const record = (level) => (message, fields) => lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const warn = console.warn;
  console.warn = () => {};
  const client = new SecureChatCompletion({ baseUrl: router.baseUrl, allowHttp: true, apiKey: 'sk-test-secret-123', logger });
  console.warn = warn;
  stub.script([{ status: 503 }]);
  const prompt = 'the secret prompt text 99142';
  await client.create({ model: 'm', messages: [{ role: 'user', content: prompt }] });
  client.dispose();
  assert.ok(lines.some((l) => l.startsWith('debug sending sealed request')));
  assert.ok(lines.some((l) => l.startsWith('warn retrying request')));
  const all = lines.join('\n');
  for (const secret of [prompt, 'sk-test-secret-123', 'BEGIN', 'echo:']) assert.equal(all.includes(secret), false, secret);
});

test('without WebCrypto (as in an insecure browser context) construction is a clear SecurityError', async () => {
  // The runtime's own global is removed before the library loads (Node 24 has no flag for it any more).
  const { status, stdout, stderr } = await runModule(
    `delete globalThis.crypto;
     if (globalThis.crypto !== undefined) process.exit(4);
     const { SecureChatCompletion, SecurityError } = await import('nomyo-js');
     try { new SecureChatCompletion(); process.exit(2); }
     catch (e) { if (!(e instanceof SecurityError)) process.exit(3); console.log(e.message); }`,
  );
  assert.equal(status, 0, stderr);
  assert.match(stdout, /secure contexts/);
});

test('a script whose only pending work is a retry wait does not exit mid-request', async () => {
  const { status, stderr } = await runModule(
    `import { SecureChatCompletion, APIConnectionError } from 'nomyo-js';
     const client = new SecureChatCompletion({ baseUrl: 'https://127.0.0.1:9', maxRetries: 2 });
     try { await client.create({ model: 'm', messages: [] }); process.exit(2); }
     catch (e) { if (!(e instanceof APIConnectionError)) process.exit(3); }
     client.dispose();`,
  );
  assert.equal(status, 0, stderr);
});

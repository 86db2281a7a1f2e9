// Every snippet of the getting-started guide, run as written (examples/guide/*),
// each in its own Node process, against a real router over real TLS: the
// snippets default to https, so the router serves a test-only localhost
// certificate that the child processes trust through NODE_EXTRA_CA_CERTS, and
// NOMYO_BASE_URL points them at it. 09 uses the guide's literal
// http://localhost:12435 with allowHttp.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fixturesDir, repoRoot } from './support/paths.mjs';
import { startRouter } from './support/router.mjs';
import { startStubUpstream } from './support/stub-upstream.mjs';

const cert = join(fixturesDir, 'tls', 'localhost-cert.pem');
const key = join(fixturesDir, 'tls', 'localhost-key.pem');
const API_KEY = 'guide-test-key';
let stub;
let router;

before(async () => {
  stub = await startStubUpstream();
  router = await startRouter({
    upstream: stub.url,
    args: ['--tls-cert', cert, '--tls-key', key, '--api-key', API_KEY, '--api-key', 'override-key-for-this-request'],
  });
  assert.match(router.baseUrl, /^https:\/\//);
});

after(async () => {
  await router?.stop();
  await stub?.close();
});

function runExample(file, env = {}) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'examples', 'guide', file)],
      {
        cwd: repoRoot,
        timeout: 60_000,
        env: {
          ...process.env,
          NOMYO_BASE_URL: router.baseUrl.replace('127.0.0.1', 'localhost'),
          NOMYO_API_KEY: API_KEY,
          NODE_EXTRA_CA_CERTS: cert,
          ...env,
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }),
    );
  });
}

const expectations = [
  ['01-simple-chat.mjs', 'echo: Hello! How are you today?\n'],
  ['02-system-message.mjs', 'echo: What is the capital of France?\n'],
  ['03-api-key.mjs', 'echo: Hello!\n'],
  ['04-security-tiers.mjs', 'standard echo: General query\nhigh echo: Summarise this contract clause...\nmaximum echo: Patient record summary...\n'],
  ['05-tools.mjs', 'Tool called: get_weather\nArguments: {"location":"Paris"}\n'],
  ['06-error-handling.mjs', 'echo: Hello!\n'],
  ['07-resource-management.mjs', 'echo: Hello!\n'],
  ['08-acreate.mjs', 'echo: Hello!\n'],
];

for (const [file, stdout] of expectations) {
  test(`guide snippet ${file} runs as written over TLS`, async () => {
    const result = await runExample(file);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, stdout);
    assert.equal(result.stderr, '', 'an https client prints nothing');
  });
}

test('guide snippet 03: the override key is what authenticates (a wrong constructor key still succeeds)', async () => {
  const result = await runExample('03-api-key.mjs', { NOMYO_API_KEY: 'not-a-valid-key' });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'echo: Hello!\n');
});

test('guide snippet 06: a bad API key takes the AuthenticationError branch', async () => {
  const result = await runExample('06-error-handling.mjs', { NOMYO_API_KEY: 'wrong' });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^Bad API key: /);
});

test('guide snippet 06: an unreachable server takes the APIConnectionError branch', async () => {
  const result = await runExample('06-error-handling.mjs', { NOMYO_BASE_URL: 'https://127.0.0.1:9' });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /^Network error \(retries exhausted\): /);
});

test('guide snippet 09: http://localhost:12435 with allowHttp, and its one warning', async () => {
  const local = await startRouter({ upstream: stub.url, args: ['--port', '12435'] });
  try {
    assert.equal(local.port, 12435);
    const result = await runExample('09-local-development.mjs', { NOMYO_BASE_URL: '', NOMYO_API_KEY: '' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'echo: Hello!\n');
    assert.match(result.stderr, /^nomyo-js: allowHttp is enabled[^\n]*\n$/);
  } finally {
    await local.stop();
  }
});

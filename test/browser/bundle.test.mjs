// The browser bundle itself: built by the real build script (into a temp dir, so
// the dist/ other tests load is never half-written), self-contained, free of
// Node built-ins, small, and with its error class names intact.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../support/paths.mjs';
import { bundlePath } from './support/static-server.mjs';

const packageDir = join(repoRoot, 'packages', 'nomyo-js');
const script = join(packageDir, 'scripts', 'build-browser.mjs');
const GZIP_TARGET_BYTES = 10 * 1024;
const temp = mkdtempSync(join(tmpdir(), 'nomyo-bundle-test-'));

after(() => rmSync(temp, { recursive: true, force: true }));

function buildBrowser(args) {
  return spawnSync(process.execPath, [script, ...args], { cwd: packageDir, encoding: 'utf8' });
}

describe('browser bundle', () => {
  const outfile = join(temp, 'index.js');
  let build;

  test('builds one module and prints its raw and gzip sizes', () => {
    build = buildBrowser(['--outfile', outfile]);
    assert.equal(build.status, 0, build.stderr);
    assert.match(build.stdout, /index\.js [\d.]+ KB raw, [\d.]+ KB gzip \(target < 10\.00 KB\)/);
    const code = readFileSync(outfile);
    const report = JSON.parse(readFileSync(join(temp, 'size.json'), 'utf8'));
    assert.equal(report.bytes, code.length);
    assert.equal(report.gzipBytes, gzipSync(code, { level: 9 }).length);
    assert.ok(report.gzipBytes < GZIP_TARGET_BYTES, `gzip ${report.gzipBytes} B is over the ${GZIP_TARGET_BYTES} B target`);
    assert.equal(report.withinTarget, true);
  });

  test('is the bundle in dist/ (the build is deterministic and dist/ is current)', () => {
    assert.equal(readFileSync(outfile, 'utf8'), readFileSync(bundlePath, 'utf8'));
  });

  test('has no Node built-ins, no imports and no Node globals', () => {
    const code = readFileSync(outfile, 'utf8');
    assert.doesNotMatch(code, /["']node:/);
    assert.doesNotMatch(code, /\bimport\s*[("'{*]/, 'self-contained: nothing left to import');
    assert.doesNotMatch(code, /\brequire\s*\(/);
    assert.doesNotMatch(code, /\bBuffer\b/);
    assert.doesNotMatch(code, /node-store|createPrivateKey|readFile/);
  });

  test('exports the public surface with class names that survive minification', async () => {
    const nomyo = await import(pathToFileURL(outfile).href);
    assert.equal(typeof nomyo.SecureChatCompletion, 'function');
    for (const name of ['NomyoError', 'APIError', 'InvalidRequestError', 'AuthenticationError', 'ForbiddenError', 'RateLimitError',
      'ServerError', 'ServiceUnavailableError', 'APIConnectionError', 'APITimeoutError', 'APIUserAbortError', 'SecurityError',
      'ClientDisposedError']) {
      assert.equal(typeof nomyo[name], 'function', name);
      assert.equal(new nomyo[name]('x').name, name);
    }
    assert.deepEqual([...nomyo.SECURITY_TIERS], ['standard', 'high', 'maximum']);
  });

  test('the build fails when a Node built-in would reach the bundle', () => {
    const entry = join(temp, 'uses-node.ts');
    writeFileSync(entry, "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n");
    const failed = buildBrowser(['--entry', entry, '--outfile', join(temp, 'bad', 'index.js')]);
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /Node built-in "node:fs" .* cannot go into the browser bundle/);
  });
});

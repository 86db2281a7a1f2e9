// The installed `nomyo-router` command (node_modules/.bin, what `npx nomyo-router` runs).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../test/support/paths.mjs';

const bin = join(repoRoot, 'node_modules', '.bin', 'nomyo-router');
const run = (args) =>
  new Promise((resolve) => execFile(bin, args, { cwd: repoRoot }, (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr })));

test('the linked command starts the CLI: --version and --help', async () => {
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'packages', 'nomyo-router', 'package.json'), 'utf8'));
  const versionRun = await run(['--version']);
  assert.equal(versionRun.code, 0, versionRun.stderr);
  assert.equal(versionRun.stdout, `${version}\n`);
  const help = await run(['--help']);
  assert.equal(help.code, 0, help.stderr);
  for (const flag of ['--host', '--port', '--upstream', '--upstream-api-key', '--api-key', '--tier-models', '--key-file', '--rate-limit', '--cors-origin', '--tls-cert', '--ui']) {
    assert.ok(help.stdout.includes(flag), flag);
  }
});

test('an unknown flag is a usage error with exit code 2, not a crash', async () => {
  const result = await run(['--no-such-flag']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /no-such-flag/);
  assert.doesNotMatch(result.stderr, /at .*\.js:\d+/, 'no stack trace');
});

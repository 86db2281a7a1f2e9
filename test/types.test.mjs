// The published type declarations accept every guide snippet (as checked JS)
// and a typed usage file, and refuse what they should (@ts-expect-error lines).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './support/paths.mjs';

const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--skipLibCheck'];

function typecheck(files, extra = []) {
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, ...flags, ...extra, ...files], { cwd: repoRoot }, (error, stdout) => resolve({ code: error ? error.code : 0, stdout }));
  });
}

test('the guide snippets type-check against nomyo-js declarations', async () => {
  const dir = join(repoRoot, 'examples', 'guide');
  const files = readdirSync(dir).filter((f) => f.endsWith('.mjs')).map((f) => join(dir, f));
  assert.ok(files.length >= 9);
  const result = await typecheck(files, ['--allowJs', '--checkJs']);
  assert.equal(result.code, 0, result.stdout);
});

test('typed usage compiles and every @ts-expect-error is an error', async () => {
  const result = await typecheck([join(repoRoot, 'test', 'types', 'usage.ts')]);
  assert.equal(result.code, 0, result.stdout);
});

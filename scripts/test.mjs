#!/usr/bin/env node
// Runs every test file of the workspace with Node's built-in test runner, on
// whichever `node` runs this script. `npm test -- router` runs only the files
// whose path contains "router".
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const roots = ['packages/nomyo-js/test', 'packages/nomyo-router/test', 'test'];

function collect(dir, out = []) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures' || name === 'support') continue;
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.mjs')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = roots
  .flatMap((dir) => collect(join(root, dir)))
  .map((file) => relative(root, file))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();

if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
console.log(`node ${process.version}: ${files.length} test files`);
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NOMYO_TEST_ROOT: root },
});
process.exit(result.status ?? 1);

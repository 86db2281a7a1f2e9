// The browser bundle's size, raw and gzipped (level 9, what a CDN serves).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../../test/support/paths.mjs';

export const BUNDLE_PATH = join('packages', 'nomyo-js', 'dist', 'browser', 'index.js');

export function measureBundle() {
  const path = join(repoRoot, BUNDLE_PATH);
  if (!existsSync(path)) return { path: BUNDLE_PATH, bytes: null, gzipBytes: null };
  const source = readFileSync(path);
  return { path: BUNDLE_PATH, bytes: source.length, gzipBytes: gzipSync(source, { level: 9 }).length };
}

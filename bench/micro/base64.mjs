#!/usr/bin/env node
// Micro-benchmark of nomyo-js's base64 (the table-driven path Node 20 and 24
// take, having no Uint8Array.prototype.toBase64) against Node's native Buffer
// base64 as the floor, at 10 KB, 1 MB and 10 MB. Checks it against Buffer on
// every size and that malformed input is refused.
//   node bench/micro/base64.mjs
import { randomBytes } from 'node:crypto';
import { decodeBase64, encodeBase64 } from 'nomyo-js/protocol';
import { median, sampleSyncMs } from '../lib/stats.mjs';

const SIZES = [10_000, 1_000_000, 10_000_000];

function rate(bytes, fn) {
  fn();
  const ms = median(sampleSyncMs(fn, Math.max(3, Math.round(2e7 / bytes))));
  return { ms, mbps: bytes / 1e6 / (ms / 1000) };
}

for (const value of ['QQ', 'QQ=A', 'Q===', 'QUJD\n', 'QU-D', 'QUJ=RA==', 'QUJDRA=\u00e9']) {
  let threw = false;
  try {
    decodeBase64(value);
  } catch {
    threw = true;
  }
  if (!threw) throw new Error(`nomyo-js accepted malformed base64 ${JSON.stringify(value)}`);
}

const rows = [];
for (const size of SIZES) {
  const bytes = new Uint8Array(randomBytes(size));
  const reference = Buffer.from(bytes).toString('base64');
  if (encodeBase64(bytes) !== reference) throw new Error('nomyo-js encoder disagrees with Buffer');
  if (!Buffer.from(decodeBase64(reference)).equals(Buffer.from(bytes))) throw new Error('nomyo-js decoder disagrees with Buffer');
  const label = `${size / 1e6} MB`;
  const row = (what, fn) => rows.push({ size: label, what, ...rate(size, fn) });
  row('encode: nomyo-js', () => encodeBase64(bytes));
  row('encode: Buffer (floor)', () => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64'));
  row('decode: nomyo-js (validates)', () => decodeBase64(reference, 16));
  row('decode: Buffer (floor, no validation)', () => Buffer.from(reference, 'base64'));
}
console.log(`Node ${process.versions.node}`);
console.table(rows.map((r) => ({ size: r.size, what: r.what, ms: Number(r.ms.toFixed(2)), 'MB/s': Math.round(r.mbps) })));

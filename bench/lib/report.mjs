// Turns the per-Node results into the printed table and the chart's panels.
import { CONCURRENCY_LEVELS } from './concurrency.mjs';
import { round } from './stats.mjs';

export const TARGETS = { ratioCallsPerSecond: 5, oursOverFloor: 1.3, routerCpuOverBaseline: 1.3 };

const num = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const ms = (value) => (Number.isFinite(value) ? `${num(value, value < 10 ? 2 : 1)} ms` : 'n/a');
const times = (value) => (Number.isFinite(value) ? `${num(value, 2)}×` : 'n/a');
const level = (result, c) => result.concurrency.levels.find((l) => l.concurrency === c);

/** The headline CPU ratio: at 32 in flight, where the router is saturated but not queueing hard. */
export const HEADLINE_CONCURRENCY = 32;

function rows() {
  return [
    ['**Sequential, one client**', () => '', ''],
    ['nomyo-js → router, calls/s', (r) => num(r.sequential.ours.callsPerSecond), ''],
    ['nomyo-js latency median / p95', (r) => `${ms(r.sequential.ours.medianMs)} / ${ms(r.sequential.ours.p95Ms)}`, ''],
    ['nomyo-js CPU per call: client process / router', (r) => `${ms(r.sequential.ours.clientCpuMsPerCall)} / ${ms(r.sequential.ours.routerCpuMsPerCall)}`, ''],
    ['Python nomyo 0.2.9 → router, calls/s', (r) => num(r.sequential.python?.callsPerSecond), ''],
    ['Python latency median / p95', (r) => `${ms(r.sequential.python?.medianMs)} / ${ms(r.sequential.python?.p95Ms)}`, ''],
    ['Python CPU per call: client process / router', (r) => `${ms(r.sequential.python?.clientCpuMsPerCall)} / ${ms(r.sequential.python?.routerCpuMsPerCall)}`, ''],
    ['ratio nomyo-js / Python, calls/s', (r) => times(r.sequential.ratioCallsPerSecond), `≥ ${TARGETS.ratioCallsPerSecond}×`],
    ['floor per call (2 RSA decrypts + 2 encrypts + 1 round trip)', (r) => ms(r.floor.perCallMs), ''],
    ['  RSA-4096 OAEP private decrypt', (r) => ms(r.floor.privateDecryptMs), ''],
    ['  RSA-4096 OAEP public encrypt', (r) => ms(r.floor.publicEncryptMs), ''],
    ['  loopback round trip, node:http (fetch)', (r) => `${ms(r.floor.httpRoundTripMs)} (${ms(r.floor.fetchRoundTripMs)})`, ''],
    ['nomyo-js median / floor', (r) => times(r.sequential.oursOverFloor), `≤ ${TARGETS.oursOverFloor}×`],
    ['**Router under concurrent load**', () => '', ''],
    ...CONCURRENCY_LEVELS.map((c) => [`requests/s at ${c} in flight`, (r) => num(level(r, c)?.requestsPerSecond), '']),
    ...CONCURRENCY_LEVELS.map((c) => [
      `router CPU per request at ${c}`,
      (r) => `${ms(level(r, c)?.routerCpuMsPerRequest)} (${times(level(r, c)?.routerCpuOverBaseline)})`,
      c === HEADLINE_CONCURRENCY ? `≤ ${TARGETS.routerCpuOverBaseline}× of decrypt+encrypt` : '',
    ]),
    ['  one RSA decrypt + one encrypt (CPU)', (r) => ms(r.concurrency.baselineCpuMs), ''],
    ...CONCURRENCY_LEVELS.map((c) => [`cores the router kept busy at ${c}`, (r) => num(level(r, c)?.routerCoresBusy, 2), '']),
    ['**Cold start (new client in a warm process)**', () => '', ''],
    ['constructor returns after', (r) => ms(r.coldStart.constructorMs), '~0'],
    ['first answer, fresh key (background RSA-4096 generation)', (r) => ms(r.coldStart.freshKeyFirstAnswerMs), ''],
    ['first answer, keyDir key', (r) => ms(r.coldStart.keyDirFirstAnswerMs), ''],
    ['CPU after the first answer (next rotation key), fresh / keyDir', (r) => `${ms(r.coldStart.freshKeyBackgroundCpuMs)} / ${ms(r.coldStart.keyDirBackgroundCpuMs)}`, ''],
    ['**Payload size (nomyo-js/protocol), seal / open**', () => '', ''],
    ...['10 KB', '1 MB', '10 MB'].map((label) => [
      `${label}: MB/s (ms)`,
      (r) => {
        const p = r.payload.find((x) => x.label === label);
        return `${num(p.sealMBps)} / ${num(p.openMBps)} (${num(p.sealMs, 2)} / ${num(p.openMs, 2)})`;
      },
      '',
    ]),
    ['**Browser bundle**', () => '', ''],
    ['dist/browser/index.js gzipped', (r) => (r.bundle.gzipBytes ? `${(r.bundle.gzipBytes / 1024).toFixed(1)} KiB (${r.bundle.gzipBytes} B)` : 'n/a'), ''],
  ];
}

/** A Markdown table: one column per Node run. */
export function renderTable(runs) {
  const header = ['', ...runs.map((r) => `Node ${r.runtime.node}`), 'target'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const [label, cell, target] of rows()) lines.push(`| ${[label, ...runs.map(cell), target].join(' | ')} |`);
  return lines.join('\n');
}

const COLORS = { ours24: '#1f6feb', ours20: '#79a8f5', py24: '#d1242f', py20: '#f08c8f', floor24: '#2da44e', floor20: '#8fd19e' };

export function chartPanels(runs) {
  const [a, b] = runs;
  const name = (r) => `Node ${r.runtime.node.split('.')[0]}`;
  const pair = (pick, color) => runs.map((r, i) => ({ name: `${name(r)}`, color: color[i], values: pick(r) }));
  return [
    {
      title: 'Sequential calls per second',
      subtitle: 'one client, instant stub model; floor = 1000 / floor ms',
      unit: 'calls/s',
      categories: ['nomyo-js', 'Python 0.2.9', 'floor'],
      series: pair((r) => [r.sequential.ours.callsPerSecond, r.sequential.python?.callsPerSecond, 1000 / r.floor.perCallMs], [COLORS.ours24, COLORS.ours20]),
    },
    {
      title: 'Router requests per second',
      subtitle: 'pre-sealed requests, by requests in flight',
      unit: 'requests/s',
      categories: CONCURRENCY_LEVELS.map(String),
      series: pair((r) => CONCURRENCY_LEVELS.map((c) => level(r, c)?.requestsPerSecond), [COLORS.floor24, COLORS.floor20]),
    },
    {
      title: 'Seal + open throughput',
      subtitle: `${[a, b].filter(Boolean).map(name).join(' and ')}: seal, then open`,
      unit: 'MB/s',
      categories: a.payload.map((p) => p.label),
      series: runs.flatMap((r, i) => [
        { name: `${name(r)} seal`, color: [COLORS.ours24, COLORS.ours20][i], values: r.payload.map((p) => p.sealMBps) },
        { name: `${name(r)} open`, color: [COLORS.py24, COLORS.py20][i], values: r.payload.map((p) => p.openMBps) },
      ]),
    },
  ];
}

/** Rounds every number in a result tree, for the committed JSON. */
export function roundTree(value) {
  if (typeof value === 'number') return round(value);
  if (Array.isArray(value)) return value.map(roundTree);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundTree(v)]));
  return value;
}

/** The element-wise median of several result trees of the same shape (numbers only; the rest from the first). */
export function medianTree(trees, median) {
  const [first] = trees;
  if (typeof first === 'number') return median(trees.filter(Number.isFinite));
  if (Array.isArray(first)) return first.map((_, i) => medianTree(trees.map((t) => t[i]), median));
  if (first && typeof first === 'object') {
    return Object.fromEntries(Object.keys(first).map((k) => [k, medianTree(trees.map((t) => t?.[k]), median)]));
  }
  return first;
}

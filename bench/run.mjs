#!/usr/bin/env node
// `npm run bench`: measures nomyo-js and nomyo-router against the reference Python
// client and against the physical floor, on Node 24 and on the machine's Node.
// Everything runs on loopback, started and stopped by this script.
//
//   node bench/run.mjs [--quick] [--node both|24|system] [--repeat N] [--out-dir DIR]
//
// Writes DIR/latest.json, DIR/latest.md (the table) and DIR/chart.svg
// (DIR defaults to bench/results). --quick is a smoke run with tiny counts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, routerCliPath } from '../test/support/paths.mjs';
import { renderChart } from './lib/chart.mjs';
import { describeMachine } from './lib/machine.mjs';
import { nodeBinaries } from './lib/node-binaries.mjs';
import { chartPanels, medianTree, renderTable, roundTree, TARGETS } from './lib/report.mjs';
import { median } from './lib/stats.mjs';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    node: { type: 'string', default: 'both' },
    repeat: { type: 'string' },
    'out-dir': { type: 'string', default: join(repoRoot, 'bench', 'results') },
    'no-python': { type: 'boolean' },
  },
});
const log = (message) => process.stderr.write(`bench: ${message}\n`);
const repeat = Number(values.repeat ?? (values.quick ? 1 : 3));
if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) throw new Error('--repeat must be an integer from 1 to 20');

function ensureBuilt() {
  const clientDist = join(repoRoot, 'packages', 'nomyo-js', 'dist', 'node', 'index.js');
  if (existsSync(clientDist) && existsSync(routerCliPath)) return;
  log('building the workspace (npm run build)');
  const build = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
}

function runSuite(bin, scratch, index) {
  const out = join(scratch, `run-${index}.json`);
  const args = [join(repoRoot, 'bench', 'suite.mjs'), '--out', out];
  if (values.quick) args.push('--quick');
  if (values['no-python']) args.push('--no-python');
  const load = loadavg()[0];
  const child = spawnSync(bin, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'], timeout: 15 * 60_000 });
  if (child.status !== 0) throw new Error(`suite failed under ${bin} (status ${child.status}, signal ${child.signal})`);
  return { ...JSON.parse(readFileSync(out, 'utf8')), loadAverage: { before: load, after: loadavg()[0] } };
}

ensureBuilt();
const binaries = nodeBinaries(values.node, log);
const machine = describeMachine();
log(`${machine.nproc} CPUs (${machine.cpuModel}); Node ${binaries.map((b) => b.version).join(' and ')}; ${repeat} run(s) each`);

const scratch = mkdtempSync(join(tmpdir(), 'nomyo-bench-'));
const perNode = new Map(binaries.map((b) => [b.bin, []]));
const started = new Date();
try {
  let index = 0;
  for (let r = 0; r < repeat; r++) {
    // Alternate which Node goes first, so slow drift on the machine hits both.
    const order = r % 2 === 0 ? binaries : [...binaries].reverse();
    for (const { bin, version } of order) {
      log(`run ${r + 1}/${repeat} on Node ${version}`);
      perNode.get(bin).push(runSuite(bin, scratch, index++));
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const runs = binaries.map(({ bin }) => {
  const results = perNode.get(bin);
  return { ...roundTree(medianTree(results, median)), repeats: results.length, spread: spreadOf(results) };
});

/** Min and max across repeats of the headline numbers, for the noise note. */
function spreadOf(results) {
  const range = (pick) => roundTree([Math.min(...results.map(pick)), Math.max(...results.map(pick))]);
  return {
    oursCallsPerSecond: range((r) => r.sequential.ours.callsPerSecond),
    pythonCallsPerSecond: range((r) => r.sequential.python?.callsPerSecond ?? Number.NaN),
    ratioCallsPerSecond: range((r) => r.sequential.ratioCallsPerSecond ?? Number.NaN),
    oursOverFloor: range((r) => r.sequential.oursOverFloor),
    loadAverage: range((r) => Math.max(r.loadAverage.before, r.loadAverage.after)),
    cpuPressureMax: range((r) => r.cpuPressure.max ?? Number.NaN),
  };
}

const table = renderTable(runs);
const report = {
  generatedAt: started.toISOString(),
  quick: Boolean(values.quick),
  machine,
  targets: TARGETS,
  runs,
};
mkdirSync(values['out-dir'], { recursive: true });
writeFileSync(join(values['out-dir'], 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(values['out-dir'], 'latest.md'), `${table}\n`);
writeFileSync(
  join(values['out-dir'], 'chart.svg'),
  renderChart({
    title: `nomyo-js benchmark, ${started.toISOString().slice(0, 10)}: ${machine.nproc} × ${machine.cpuModel}, medians of ${repeat} run(s)`,
    footnote: 'loopback, instant stub model; generated by npm run bench (bench/run.mjs) from bench/results/latest.json',
    panels: chartPanels(runs),
  }),
);

console.log(`\nMachine: ${machine.nproc} CPUs, ${machine.cpuModel}, ${machine.memoryGiB} GiB, Linux ${machine.kernel}`);
console.log(`Node: ${runs.map((r) => `${r.runtime.node} (OpenSSL ${r.runtime.openssl})`).join(', ')}; medians of ${repeat} run(s)\n`);
console.log(table);
const spread = (r, key) => `Node ${r.runtime.node.split('.')[0]} ${r.spread[key].join('–')}`;
console.log(`\nNoise: load average ${runs.map((r) => spread(r, 'loadAverage')).join(', ')}; CPU pressure (PSI some avg10, %) up to ${runs.map((r) => spread(r, 'cpuPressureMax')).join(', ')}`);
console.log(`Spread across runs, nomyo-js/Python calls/s ratio: ${runs.map((r) => spread(r, 'ratioCallsPerSecond')).join(', ')}`);
console.log(`Wrote ${join(values['out-dir'], 'latest.json')}, latest.md and chart.svg`);

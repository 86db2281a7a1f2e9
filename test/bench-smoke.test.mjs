// `npm run bench` runs at all: a tiny --quick run on this Node only, checked for
// the shape of its JSON and for positive numbers. Deliberately no timing
// assertions: speed is reported by the benchmark, never asserted by the suite.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from './support/paths.mjs';

const outDir = mkdtempSync(join(tmpdir(), 'nomyo-bench-smoke-'));
after(() => rmSync(outDir, { recursive: true, force: true }));

function runQuickBench() {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'bench', 'run.mjs'), '--quick', '--node', 'system', '--out-dir', outDir],
      { cwd: repoRoot, encoding: 'utf8', timeout: 110_000 }, // ~7 s alone; generous for a loaded test run
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

function assertPositive(value, path) {
  assert.ok(typeof value === 'number' && Number.isFinite(value) && value > 0, `${path} should be a positive number, got ${value}`);
}

test('bench --quick writes a complete report with positive numbers', { timeout: 120_000 }, async () => {
  const stdout = await runQuickBench();
  assert.match(stdout, /nomyo-js → router, calls\/s/);

  const report = JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8'));
  assert.equal(report.quick, true);
  assertPositive(report.machine.nproc, 'machine.nproc');
  assert.equal(typeof report.machine.cpuModel, 'string');
  assert.equal(report.runs.length, 1);
  const [run] = report.runs;
  assert.equal(run.runtime.node, process.versions.node);

  for (const key of ['privateDecryptMs', 'publicEncryptMs', 'httpRoundTripMs', 'fetchRoundTripMs', 'perCallMs', 'requestBytes', 'responseBytes']) {
    assertPositive(run.floor[key], `floor.${key}`);
  }
  for (const side of ['ours', 'python']) {
    for (const key of ['callsPerSecond', 'medianMs', 'p95Ms', 'calls']) assertPositive(run.sequential[side][key], `sequential.${side}.${key}`);
  }
  assertPositive(run.sequential.ratioCallsPerSecond, 'sequential.ratioCallsPerSecond');
  assertPositive(run.sequential.oursOverFloor, 'sequential.oursOverFloor');

  assert.deepEqual(run.concurrency.levels.map((l) => l.concurrency), [1, 8, 32, 128]);
  for (const level of run.concurrency.levels) {
    assertPositive(level.requestsPerSecond, `concurrency[${level.concurrency}].requestsPerSecond`);
    // CPU is read in 10 ms clock ticks: a quick run's few requests may round to zero.
    assert.ok(level.routerCpuMsPerRequest >= 0, `concurrency[${level.concurrency}].routerCpuMsPerRequest`);
  }

  assert.deepEqual(run.payload.map((p) => p.label), ['10 KB', '1 MB', '10 MB']);
  for (const p of run.payload) {
    for (const key of ['sealMs', 'openMs', 'sealMBps', 'openMBps']) assertPositive(p[key], `payload[${p.label}].${key}`);
  }

  assert.ok(run.coldStart.constructorMs >= 0, 'coldStart.constructorMs');
  assertPositive(run.coldStart.freshKeyFirstAnswerMs, 'coldStart.freshKeyFirstAnswerMs');
  assertPositive(run.coldStart.keyDirFirstAnswerMs, 'coldStart.keyDirFirstAnswerMs');
  assert.ok(run.bundle.gzipBytes === null || run.bundle.gzipBytes > 0, 'bundle.gzipBytes is null (no bundle) or positive');

  assert.match(readFileSync(join(outDir, 'chart.svg'), 'utf8'), /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(readFileSync(join(outDir, 'latest.md'), 'utf8'), /^\| +\| Node /);
});

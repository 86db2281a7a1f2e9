#!/usr/bin/env node
// One full measurement on the Node that runs this file: starts the helper servers
// (stub upstream + echo) and the real router as child processes on loopback,
// measures, stops them, and writes one JSON result. bench/run.mjs runs this under
// Node 24 and Node 20 and assembles the report.
//   node bench/suite.mjs --out FILE [--quick]
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SecureChatCompletion } from 'nomyo-js';
import { startRouter } from '../test/support/router.mjs';
import { measureBundle } from './lib/bundle.mjs';
import { measureColdStart } from './lib/cold-start.mjs';
import { measureConcurrency } from './lib/concurrency.mjs';
import { measureHttpRoundTrip, measureRsa } from './lib/floor.mjs';
import { describeRuntime } from './lib/machine.mjs';
import { measurePayloads } from './lib/payload.mjs';
import { startPythonWorker } from './lib/python-worker.mjs';
import { cpuPressure } from './lib/quiet.mjs';
import { BENCH_MODEL, benchRequest, fetchServerKey, postRaw, keepAliveAgent, sealRequests } from './lib/raw-requests.mjs';
import { measureSequential } from './lib/sequential.mjs';

const FULL = { rsa: 200, http: 400, rounds: 5, oursPerBlock: 100, pythonPerBlock: 40, concurrencyRounds: 3, perLevel: 300, payload: 3, coldRuns: 5 };
const QUICK = { rsa: 5, http: 8, rounds: 1, oursPerBlock: 3, pythonPerBlock: 2, concurrencyRounds: 1, perLevel: 8, payload: 0.2, coldRuns: 1 };

const { values } = parseArgs({ options: { out: { type: 'string' }, quick: { type: 'boolean' }, 'no-python': { type: 'boolean' } } });
const plan = values.quick ? QUICK : FULL;
const pressure = [];
const log = (message) => {
  pressure.push(cpuPressure());
  process.stderr.write(`  [node ${process.versions.node}] ${message}\n`);
};

// The client warns once per construction that plain HTTP is for local use; here it is.
console.warn = () => {};

async function startServers() {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./lib/servers.mjs', import.meta.url))], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  process.once('exit', () => child.kill('SIGKILL'));
  const [line] = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value]);
  if (!line) throw new Error('helper servers did not start');
  return { ...JSON.parse(line), stop: () => child.stdin.end() };
}

/** One real request, to learn the sizes the floor's HTTP round trip must carry. */
async function probeSizes(baseUrl, serverKey) {
  const [request] = await sealRequests(serverKey, 1);
  const agent = keepAliveAgent(1);
  const { status, body } = await postRaw(`${baseUrl}/v1/chat/secure_completion`, request, agent);
  agent.destroy();
  if (status !== 200) throw new Error(`router answered ${status}: ${body}`);
  const { 'Content-Length': _length, ...headers } = request.headers;
  return { requestBytes: request.body.length, responseBytes: body.length, headers };
}

const result = { runtime: describeRuntime(), quick: Boolean(values.quick), plan };
const servers = await startServers();
const router = await startRouter({ upstream: servers.stubUrl, args: ['--quiet'] });
try {
  const serverKey = await fetchServerKey(router.baseUrl);
  const sizes = await probeSizes(router.baseUrl, serverKey);

  log('floor: RSA-4096 and a loopback round trip');
  const rsa = measureRsa({ count: plan.rsa });
  const http = await measureHttpRoundTrip({ echoUrl: servers.echoUrl, ...sizes, count: plan.http });
  result.floor = {
    ...rsa,
    httpRoundTripMs: http.nodeHttpMs,
    fetchRoundTripMs: http.fetchMs,
    requestBytes: sizes.requestBytes,
    responseBytes: sizes.responseBytes,
    perCallMs: 2 * rsa.privateDecryptMs + 2 * rsa.publicEncryptMs + http.nodeHttpMs,
  };

  log('sequential: nomyo-js and the Python reference client, alternating blocks');
  const client = new SecureChatCompletion({ baseUrl: router.baseUrl, allowHttp: true });
  const python = values['no-python'] ? undefined : startPythonWorker(router.baseUrl, BENCH_MODEL);
  try {
    result.sequential = await measureSequential({
      ours: () => client.create(benchRequest()),
      python,
      routerPid: router.child.pid,
      rounds: plan.rounds,
      oursPerBlock: plan.oursPerBlock,
      pythonPerBlock: plan.pythonPerBlock,
    });
  } finally {
    client.dispose();
    await python?.stop();
  }
  const { ours, python: theirs } = result.sequential;
  result.sequential.ratioCallsPerSecond = theirs ? ours.callsPerSecond / theirs.callsPerSecond : null;
  result.sequential.oursOverFloor = ours.medianMs / result.floor.perCallMs;

  log('concurrency: pre-sealed requests at 1, 8, 32, 128 in flight');
  const levels = await measureConcurrency({
    baseUrl: router.baseUrl,
    serverKey,
    routerPid: router.child.pid,
    rounds: plan.concurrencyRounds,
    perLevel: plan.perLevel,
  });
  const baselineCpuMs = rsa.privateDecryptCpuMs + rsa.publicEncryptMs;
  result.concurrency = {
    load: 'pre-sealed raw requests over node:http keep-alive, one connection per request in flight, from the bench process',
    baselineCpuMs,
    levels: levels.map((level) => ({ ...level, routerCpuOverBaseline: level.routerCpuMsPerRequest / baselineCpuMs })),
  };

  log('payload: seal and open at 10 KB, 1 MB, 10 MB');
  result.payload = await measurePayloads({ iterations: plan.payload });

  log('cold start');
  result.coldStart = await measureColdStart({ baseUrl: router.baseUrl, runs: plan.coldRuns });

  result.bundle = measureBundle();
  pressure.push(cpuPressure());
  result.cpuPressure = { samples: pressure, max: Math.max(...pressure.filter(Number.isFinite)) };
} finally {
  await router.stop();
  servers.stop();
}

const json = `${JSON.stringify(result, null, 2)}\n`;
if (values.out) writeFileSync(values.out, json);
else process.stdout.write(json);

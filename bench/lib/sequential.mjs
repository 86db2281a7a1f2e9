// Sequential calls: nomyo-js and the reference Python client against the same
// router, in alternating blocks (A B, B A, A B, ...) so that drift on a shared
// machine hits both alike. Each client is warmed up (key generated, server key
// fetched, background key work finished) before the first timed block, as in a
// long-running application.
import { waitForQuiet } from './quiet.mjs';
import { processCpuMs } from './router-cpu.mjs';
import { median, quantile } from './stats.mjs';

function summarize(blocks) {
  const latencies = blocks.flatMap((b) => b.latenciesMs);
  const rates = blocks.map((b) => (b.latenciesMs.length / b.wallMs) * 1000);
  const perCall = (key) => blocks.reduce((n, b) => n + b[key], 0) / latencies.length;
  return {
    calls: latencies.length,
    blocks: blocks.length,
    callsPerSecond: median(rates),
    medianMs: median(latencies),
    p95Ms: quantile(latencies, 0.95),
    clientCpuMsPerCall: perCall('clientCpuMs'),
    routerCpuMsPerCall: perCall('routerCpuMs'),
  };
}

/** Runs a block and adds the CPU the client process and the router spent on it. */
async function withCpu(clientPid, routerPid, block) {
  const client = processCpuMs(clientPid);
  const router = processCpuMs(routerPid);
  const result = await block();
  return { ...result, clientCpuMs: processCpuMs(clientPid) - client, routerCpuMs: processCpuMs(routerPid) - router };
}

async function timeBlock(call, count) {
  const latenciesMs = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await call();
    latenciesMs.push(performance.now() - t0);
  }
  return { latenciesMs, wallMs: performance.now() - start };
}

/**
 * @param {{ ours: () => Promise<unknown>, python?: { pid: number, run(n: number): Promise<{latenciesMs: number[], wallMs: number}> },
 *   routerPid: number, rounds: number, oursPerBlock: number, pythonPerBlock: number }} options
 */
export async function measureSequential({ ours, python, routerPid, rounds, oursPerBlock, pythonPerBlock }) {
  await timeBlock(ours, 3);
  if (python) await python.run(2);
  // The client pre-generates its next rotation key in the background after the
  // first: let that finish, it is start-up cost (see cold start), not per call.
  const settleMs = await waitForQuiet();
  const oursBlocks = [];
  const pythonBlocks = [];
  for (let round = 0; round < rounds; round++) {
    const steps = [async () => oursBlocks.push(await withCpu(process.pid, routerPid, () => timeBlock(ours, oursPerBlock)))];
    if (python) steps.push(async () => pythonBlocks.push(await withCpu(python.pid, routerPid, () => python.run(pythonPerBlock))));
    if (round % 2 === 1) steps.reverse();
    for (const step of steps) await step();
  }
  return { ours: summarize(oursBlocks), python: python ? summarize(pythonBlocks) : null, settleMs };
}

// Sequential calls: nomyo-js and the reference Python client against the same
// router, in alternating blocks (A B, B A, A B, ...) so that drift on a shared
// machine hits both alike. Each client is warmed up (key generated, server key
// fetched, background key work finished) before the first timed block, as in a
// long-running application.
import { waitForQuiet } from './quiet.mjs';
import { median, quantile } from './stats.mjs';

function summarize(blocks) {
  const latencies = blocks.flatMap((b) => b.latenciesMs);
  const rates = blocks.map((b) => (b.latenciesMs.length / b.wallMs) * 1000);
  return {
    calls: latencies.length,
    blocks: blocks.length,
    callsPerSecond: median(rates),
    medianMs: median(latencies),
    p95Ms: quantile(latencies, 0.95),
  };
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
 * @param {{ ours: () => Promise<unknown>, python?: { run(n: number): Promise<{latenciesMs: number[], wallMs: number}> },
 *   rounds: number, oursPerBlock: number, pythonPerBlock: number }} options
 */
export async function measureSequential({ ours, python, rounds, oursPerBlock, pythonPerBlock }) {
  await timeBlock(ours, 3);
  if (python) await python.run(2);
  // The client pre-generates its next rotation key in the background after the
  // first: let that finish, it is start-up cost (see cold start), not per call.
  const settleMs = await waitForQuiet();
  const oursBlocks = [];
  const pythonBlocks = [];
  for (let round = 0; round < rounds; round++) {
    const steps = [async () => oursBlocks.push(await timeBlock(ours, oursPerBlock))];
    if (python) steps.push(async () => pythonBlocks.push(await python.run(pythonPerBlock)));
    if (round % 2 === 1) steps.reverse();
    for (const step of steps) await step();
  }
  return { ours: summarize(oursBlocks), python: python ? summarize(pythonBlocks) : null, settleMs };
}

// Router throughput at 1, 8, 32 and 128 requests in flight, and the router's CPU
// time per request. The load comes from pre-sealed raw requests (sealed with
// nomyo-js/protocol before the clock starts, each one distinct, so the router's
// replay cache never answers for it) sent over node:http keep-alive connections;
// responses are counted, not opened, so the load generator does no RSA work and
// the router is the bottleneck. One response per level is opened to prove it real.
import { processCpuMs } from './router-cpu.mjs';
import { keepAliveAgent, openResponseBody, postRaw, sealRequests } from './raw-requests.mjs';
import { median } from './stats.mjs';

export const CONCURRENCY_LEVELS = [1, 8, 32, 128];

async function runLevel({ url, requests, concurrency, routerPid }) {
  const agent = keepAliveAgent(concurrency);
  let next = 0;
  let lastBody;
  const statuses = new Map();
  const worker = async () => {
    while (next < requests.length) {
      const { status, body } = await postRaw(url, requests[next++], agent);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      lastBody = body;
    }
  };
  const cpuBefore = processCpuMs(routerPid);
  const ownCpuBefore = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
  const wallMs = performance.now() - start;
  const ownCpu = process.cpuUsage(ownCpuBefore);
  const routerCpuMs = processCpuMs(routerPid) - cpuBefore;
  agent.destroy();
  if (statuses.size !== 1 || !statuses.has(200)) {
    throw new Error(`router answered ${JSON.stringify(Object.fromEntries(statuses))} at concurrency ${concurrency}`);
  }
  return { wallMs, routerCpuMs, loadCpuMs: (ownCpu.user + ownCpu.system) / 1000, count: requests.length, lastBody };
}

/**
 * @param {{ baseUrl: string, serverKey: {key: CryptoKey}, routerPid: number, rounds: number, perLevel: number }} options
 */
export async function measureConcurrency({ baseUrl, serverKey, routerPid, rounds, perLevel }) {
  const url = `${baseUrl}/v1/chat/secure_completion`;
  const pool = await sealRequests(serverKey, CONCURRENCY_LEVELS.length * rounds * perLevel + 8);
  let taken = 0;
  const take = (n) => pool.slice(taken, (taken += n));
  await runLevel({ url, requests: take(8), concurrency: 8, routerPid });

  const runs = new Map(CONCURRENCY_LEVELS.map((level) => [level, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? CONCURRENCY_LEVELS : [...CONCURRENCY_LEVELS].reverse();
    for (const concurrency of order) {
      runs.get(concurrency).push(await runLevel({ url, requests: take(perLevel), concurrency, routerPid }));
    }
  }
  const levels = [];
  for (const [concurrency, results] of runs) {
    const opened = await openResponseBody(results.at(-1).lastBody);
    if (!opened.choices?.[0]?.message?.content) throw new Error('router response did not open to a completion');
    const count = results.reduce((n, r) => n + r.count, 0);
    const wallMs = results.reduce((n, r) => n + r.wallMs, 0);
    levels.push({
      concurrency,
      requests: count,
      requestsPerSecond: median(results.map((r) => (r.count / r.wallMs) * 1000)),
      routerCpuMsPerRequest: results.reduce((n, r) => n + r.routerCpuMs, 0) / count,
      // CPU-seconds per second: how many cores the router kept busy (all threads).
      routerCoresBusy: results.reduce((n, r) => n + r.routerCpuMs, 0) / wallMs,
      loadGeneratorCpuMsPerRequest: results.reduce((n, r) => n + r.loadCpuMs, 0) / count,
    });
  }
  return levels;
}

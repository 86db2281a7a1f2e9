#!/usr/bin/env node
// A/B behind a proposed client change: two nomyo-js clients against one router,
// one on the default fetch and one given bench/micro/http-fetch-candidate.mjs
// through the existing `fetch` option, in alternating blocks of sequential calls.
// Prints median latency and the client process's CPU per call for each.
//   node bench/micro/client-transport.mjs [--rounds 6] [--calls 150]
import { parseArgs } from 'node:util';
import { SecureChatCompletion } from 'nomyo-js';
import { startRouter } from '../../test/support/router.mjs';
import { startStubUpstream } from '../../test/support/stub-upstream.mjs';
import { waitForQuiet } from '../lib/quiet.mjs';
import { benchRequest } from '../lib/raw-requests.mjs';
import { median } from '../lib/stats.mjs';
import { nodeHttpFetch } from './http-fetch-candidate.mjs';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '6' }, calls: { type: 'string', default: '150' } } });
console.warn = () => {}; // the plain-HTTP warning, once per client

const stub = await startStubUpstream();
const router = await startRouter({ upstream: stub.url, args: ['--quiet'] });
const clients = {
  fetch: new SecureChatCompletion({ baseUrl: router.baseUrl, allowHttp: true }),
  'node:http': new SecureChatCompletion({ baseUrl: router.baseUrl, allowHttp: true, fetch: nodeHttpFetch }),
};
const results = Object.fromEntries(Object.keys(clients).map((name) => [name, { latencies: [], cpuMs: 0, calls: 0 }]));
try {
  for (const client of Object.values(clients)) for (let i = 0; i < 5; i++) await client.create(benchRequest());
  await waitForQuiet();
  const names = Object.keys(clients);
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const name of round % 2 ? [...names].reverse() : names) {
      const cpu = process.cpuUsage();
      for (let i = 0; i < Number(values.calls); i++) {
        const start = performance.now();
        await clients[name].create(benchRequest());
        results[name].latencies.push(performance.now() - start);
      }
      const used = process.cpuUsage(cpu);
      results[name].cpuMs += (used.user + used.system) / 1000;
      results[name].calls += Number(values.calls);
    }
  }
} finally {
  for (const client of Object.values(clients)) client.dispose();
  await router.stop();
  await stub.close();
}
console.log(`Node ${process.versions.node} (this process also runs the stub upstream)`);
console.table(
  Object.entries(results).map(([transport, r]) => ({
    transport,
    calls: r.calls,
    'median ms': Number(median(r.latencies).toFixed(2)),
    'client+stub CPU ms/call': Number((r.cpuMs / r.calls).toFixed(2)),
  })),
);

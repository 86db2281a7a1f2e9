#!/usr/bin/env node
// `npm run bench:engine`: the embedded engine alone versus the same engine
// behind nomyo-router, reached through nomyo-js over the encrypted protocol.
// Same model file, same thread count, same greedy request; the two sides are
// measured alternately so background load hits both alike.
//
//   node bench/engine.mjs [--runs N] [--max-tokens N] [--threads N]
//
// What the numbers mean:
//   engine TTFT          complete() called → first token decoded (queue + prompt evaluation).
//   engine decode tok/s  (completion tokens - 1) / (last token - first token).
//   end-to-end latency   request issued → whole chat.completion in hand. Engine alone: the
//                        complete() call. Through the router: client.create(), which seals the
//                        request, POSTs it, and opens the sealed answer.
//   end-to-end tok/s     completion tokens / end-to-end latency.
//   1-token answer       end-to-end latency with max_tokens 1. Sealed answers arrive whole,
//                        so a client never sees a first token; this is the nearest honest
//                        analogue of time-to-first-token through the router.
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, routerCliPath } from '../test/support/paths.mjs';
import { startRouter } from '../test/support/router.mjs';
import { describeMachine } from './lib/machine.mjs';
import { cpuPressure } from './lib/quiet.mjs';
import { median } from './lib/stats.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, 'max-tokens': { type: 'string', default: '64' }, threads: { type: 'string' } } });
const runs = Number(values.runs);
const maxTokens = Number(values['max-tokens']);
const threads = Number(values.threads ?? availableParallelism());
for (const [name, value] of [['--runs', runs], ['--max-tokens', maxTokens], ['--threads', threads]]) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
}
const log = (message) => process.stderr.write(`bench:engine: ${message}\n`);

const clientDist = join(repoRoot, 'packages', 'nomyo-js', 'dist', 'node', 'index.js');
const engineDist = join(repoRoot, 'packages', 'nomyo-router', 'dist', 'engines', 'embedded.js');
for (const file of [clientDist, engineDist, routerCliPath]) if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\``);
const { SecureChatCompletion } = await import(clientDist);
const { createEmbeddedEngine, resolveModelPath } = await import(engineDist);
const modelPath = resolveModelPath(undefined);
if (!existsSync(modelPath)) throw new Error(`model missing at ${modelPath}: run \`npm run setup:model\``);

const request = (tokens) => ({
  model: 'smollm2-135m',
  messages: [{ role: 'user', content: 'Write a short story about a lighthouse keeper who finds a message in a bottle.' }],
  max_tokens: tokens,
  temperature: 0,
  seed: 1,
});

log(`loading the engine in-process (threads ${threads})`);
const engine = createEmbeddedEngine({ modelPath, threads });
await engine.ready();
log('starting nomyo-router with the embedded engine');
const router = await startRouter({ args: ['--model', modelPath, '--threads', String(threads), '--quiet'] });
for (let i = 0; ; i++) {
  const health = await fetch(`${router.baseUrl}/healthz`).then((r) => r.json());
  if (health.ready) break;
  if (i > 600) throw new Error('router engine not ready after 60 s');
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const client = new SecureChatCompletion({ baseUrl: router.baseUrl, allowHttp: true });

async function viaEngine(tokens) {
  const chunks = [];
  const started = performance.now();
  const completion = await engine.complete(request(tokens), { signal: new AbortController().signal, onTokens: () => chunks.push(performance.now()) });
  const ms = performance.now() - started;
  const n = completion.usage.completion_tokens;
  const decodeMs = chunks.at(-1) - chunks[0];
  return { ms, tokens: n, content: completion.choices[0].message.content, ttft: chunks[0] - started, decode: n > 1 && decodeMs > 0 ? (n - 1) / (decodeMs / 1000) : NaN };
}

async function viaRouter(tokens) {
  const started = performance.now();
  const completion = await client.create(request(tokens));
  return { ms: performance.now() - started, tokens: completion.usage.completion_tokens, content: completion.choices[0].message.content };
}

async function alternate(tokens, count) {
  const engineRuns = [];
  const routerRuns = [];
  await viaEngine(tokens); // warm-up: first evaluation, client key pair, server key fetch, connections
  await viaRouter(tokens);
  for (let i = 0; i < count; i++) {
    engineRuns.push(await viaEngine(tokens));
    routerRuns.push(await viaRouter(tokens));
  }
  return { engineRuns, routerRuns };
}

const startLoad = loadavg()[0];
const startPressure = cpuPressure();
log(`measuring ${runs} alternating runs with max_tokens ${maxTokens}, then with max_tokens 1`);
const full = await alternate(maxTokens, runs);
const one = await alternate(1, runs);

const med = (list, key) => median(list.map((item) => item[key]));
const sameWork = full.engineRuns.every((run, i) => run.content === full.routerRuns[i].content && run.tokens === full.routerRuns[i].tokens);
const e2eEngine = med(full.engineRuns, 'ms');
const e2eRouter = med(full.routerRuns, 'ms');
const tokens = med(full.engineRuns, 'tokens');
const oneEngine = med(one.engineRuns, 'ms');
const oneRouter = med(one.routerRuns, 'ms');
const pct = (a, b) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)}%`;
const ms = (value) => `${value.toFixed(1)} ms`;

const rows = [
  ['', 'engine alone', 'through router', 'difference'],
  [`end-to-end latency, max_tokens ${maxTokens}`, ms(e2eEngine), ms(e2eRouter), `${ms(e2eRouter - e2eEngine)} (${pct(e2eRouter, e2eEngine)})`],
  ['completion tokens', String(tokens), String(med(full.routerRuns, 'tokens')), sameWork ? 'identical answers' : 'ANSWERS DIFFER'],
  ['end-to-end tokens/s', (tokens / (e2eEngine / 1000)).toFixed(1), (tokens / (e2eRouter / 1000)).toFixed(1), pct(tokens / e2eRouter, tokens / e2eEngine)],
  ['1-token answer (TTFT analogue)', ms(oneEngine), ms(oneRouter), `${ms(oneRouter - oneEngine)} (${pct(oneRouter, oneEngine)})`],
  ['engine TTFT (first token decoded)', ms(med(full.engineRuns, 'ttft')), 'not observable', 'sealed answers arrive whole'],
  ['engine decode tokens/s', med(full.engineRuns, 'decode').toFixed(1), 'not observable', ''],
];
const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
const machine = describeMachine();
console.log(`\nSmolLM2-135M-Instruct Q4_1, ${threads} threads, greedy, medians of ${runs} alternating runs`);
console.log(`${machine.cpuModel}, ${machine.nproc} CPUs, Node ${process.versions.node}; load average ${startLoad.toFixed(2)} → ${loadavg()[0].toFixed(2)}, CPU pressure avg10 ${startPressure ?? 'n/a'} → ${cpuPressure() ?? 'n/a'}\n`);
for (const row of rows) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   '));
console.log(`\nRouter overhead on a ${maxTokens}-token answer: ${ms(e2eRouter - e2eEngine)}, ${pct(e2eRouter, e2eEngine)} of the engine's own end-to-end latency.`);
if (!sameWork) console.log('Warning: the two sides produced different answers, so they did different amounts of work.');

// After the report: the router child is unref'd, so waiting for its exit may
// let the event loop drain and end this process, which is all that is left to do.
client.dispose();
await engine.close();
await router.stop();

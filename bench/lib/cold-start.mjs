// Cold start of a client in a warm process (module loaded): how long the
// constructor takes, and the time from construction to the first answer, with a
// fresh key (generated in the background from the constructor) and with a key
// loaded from keyDir (a copy of the client fixture). Each run is a new client, so
// each also fetches the server key and opens a new connection.
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecureChatCompletion } from 'nomyo-js';
import { fixtureKey } from '../../test/support/paths.mjs';
import { benchRequest } from './raw-requests.mjs';
import { waitForQuiet } from './quiet.mjs';
import { median } from './stats.mjs';

function keyDirCopy() {
  const dir = mkdtempSync(join(tmpdir(), 'nomyo-bench-keys-'));
  const source = fixtureKey('client');
  copyFileSync(source.privateKey, join(dir, 'private_key.pem'));
  copyFileSync(source.publicKey, join(dir, 'public_key.pem'));
  chmodSync(join(dir, 'private_key.pem'), 0o600);
  return dir;
}

/**
 * One client from construction to first answer; then the CPU it keeps using after
 * that answer until it is idle again (the next rotation key, pre-generated in the
 * background). The client is disposed only after that, as an application's would not be.
 */
async function once(options) {
  const start = performance.now();
  const client = new SecureChatCompletion(options);
  const constructed = performance.now();
  try {
    await client.create(benchRequest());
    const firstAnswerMs = performance.now() - start;
    const cpuBefore = process.cpuUsage();
    await waitForQuiet();
    const cpu = process.cpuUsage(cpuBefore);
    return { constructorMs: constructed - start, firstAnswerMs, afterFirstAnswerCpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    client.dispose();
  }
}

export async function measureColdStart({ baseUrl, runs }) {
  const dir = keyDirCopy();
  const fresh = [];
  const keyDir = [];
  try {
    for (let i = 0; i < runs; i++) {
      fresh.push(await once({ baseUrl, allowHttp: true }));
      keyDir.push(await once({ baseUrl, allowHttp: true, keyDir: dir }));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const all = [...fresh, ...keyDir];
  return {
    runs,
    constructorMs: median(all.map((r) => r.constructorMs)),
    constructorMaxMs: Math.max(...all.map((r) => r.constructorMs)),
    freshKeyFirstAnswerMs: median(fresh.map((r) => r.firstAnswerMs)),
    freshKeyFirstAnswerMaxMs: Math.max(...fresh.map((r) => r.firstAnswerMs)),
    keyDirFirstAnswerMs: median(keyDir.map((r) => r.firstAnswerMs)),
    freshKeyBackgroundCpuMs: median(fresh.map((r) => r.afterFirstAnswerCpuMs)),
    keyDirBackgroundCpuMs: median(keyDir.map((r) => r.afterFirstAnswerCpuMs)),
  };
}

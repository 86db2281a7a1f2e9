// Runs the real router CLI (packages/nomyo-router/dist/cli.js) as a child process
// on a free loopback port with a temp copy of the server fixture key, and waits for
// its "listening" line. Children are killed when the test process exits, even
// if a test failed before calling stop().
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fixtureKey, repoRoot, routerCliPath } from './paths.mjs';

const LISTENING = /^nomyo-router listening on (https?:\/\/\S+):(\d+)$/;
const START_TIMEOUT_MS = 20_000;
const running = new Set();

process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function tempKeyCopy() {
  const dir = mkdtempSync(join(tmpdir(), 'nomyo-router-test-'));
  const keyFile = join(dir, 'private_key.pem');
  copyFileSync(fixtureKey('server').privateKey, keyFile);
  chmodSync(keyFile, 0o600);
  return { dir, keyFile };
}

/**
 * @param {{ args?: string[], env?: Record<string,string>, upstream?: string, keyFile?: string | false }} options
 *   keyFile: a path to use instead of the temp fixture copy, or false for none (ephemeral key).
 */
export async function startRouter({ args = [], env = {}, upstream, keyFile } = {}) {
  const temp = keyFile === undefined ? tempKeyCopy() : undefined;
  const keyArgs = temp ? ['--key-file', temp.keyFile] : keyFile ? ['--key-file', keyFile] : [];
  const upstreamArgs = upstream ? ['--upstream', upstream] : [];
  const child = spawn(process.execPath, [routerCliPath, '--port', '0', ...keyArgs, ...upstreamArgs, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const stderrLines = [];
  const stdoutLines = [];
  createInterface({ input: child.stderr }).on('line', (line) => stderrLines.push(line));
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      if (temp) rmSync(temp.dir, { recursive: true, force: true });
      resolve({ code, signal });
    });
  });
  // Never let a forgotten router keep the test process alive.
  child.unref();
  child.stdout.unref?.();
  child.stderr.unref?.();

  const listening = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('router did not start in time')), START_TIMEOUT_MS);
    const fail = (error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\nstderr:\n${stderrLines.join('\n')}`));
    };
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdoutLines.push(line);
      const match = LISTENING.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve({ baseUrl: `${match[1]}:${match[2]}`, port: Number(match[2]) });
      }
    });
    exited.then(({ code, signal }) => fail(new Error(`router exited early (code ${code}, signal ${signal})`)));
  });

  return {
    ...listening,
    child,
    stderrLines,
    stdoutLines,
    /** Resolves when the process has exited. */
    exited,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

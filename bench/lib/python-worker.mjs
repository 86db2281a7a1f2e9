// Runs bench/python_client_bench.py (the reference client) as a long-lived child
// and asks it for blocks of sequential calls.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pythonBin, repoRoot } from '../../test/support/paths.mjs';

export function startPythonWorker(baseUrl, model) {
  const child = spawn(pythonBin(), [join(repoRoot, 'bench', 'python_client_bench.py'), baseUrl, model], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  process.once('exit', () => child.kill('SIGKILL'));
  const stderr = [];
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise((resolve) => child.once('exit', resolve));

  return {
    pid: child.pid,
    /** Runs `count` calls; resolves {latenciesMs, wallMs}. */
    async run(count) {
      child.stdin.write(`run ${count}\n`);
      const next = await Promise.race([lines.next(), exited.then(() => ({ done: true }))]);
      if (next.done) throw new Error(`Python client exited:\n${stderr.slice(-20).join('\n')}`);
      const { latencies_ms: latenciesMs, wall_ms: wallMs } = JSON.parse(next.value);
      return { latenciesMs, wallMs };
    },
    async stop() {
      child.stdin.end('quit\n');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      child.kill('SIGKILL');
    },
  };
}

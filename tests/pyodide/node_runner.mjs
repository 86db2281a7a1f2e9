// Runs Python inside one Pyodide under Node.js for the test harness (tests/pyodide/runtimes.py).
//
//   node tests/pyodide/node_runner.mjs build/pyodide
//
// Loads the local Pyodide distribution (never a CDN: packageBaseUrl is the
// local folder), installs micropip and nomyo-web from its lock, then prints
// {"ready": ms, ...} and answers one JSON line per request on stdin:
//   {"id": 1, "code": "<python>"}  ->  {"id": 1, "ok": true, "value": "<str(result)>"}
//                                  or  {"id": 1, "ok": false, "error": "<message>"}
//   {"id": 2, "network": true}     ->  {"id": 2, "ok": true, "value": [every URL fetched]}
// Python's stdout and stderr go to this process's stderr; stdout is the channel.
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';

const dist = path.resolve(process.argv[2] ?? 'build/pyodide') + path.sep;
const network = [];
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  network.push(String(input?.url ?? input));
  return realFetch(input, init);
};

function send(message) {
  process.stdout.write(JSON.stringify(message) + '\n');
}

const started = performance.now();
const { loadPyodide } = await import(pathToFileURL(dist + 'pyodide.mjs').href);
const pyodide = await loadPyodide({
  indexURL: dist,
  packageBaseUrl: dist,
  stdout: (line) => process.stderr.write(`[py] ${line}\n`),
  stderr: (line) => process.stderr.write(`[py] ${line}\n`),
});
const loaded = performance.now();
await pyodide.loadPackage('micropip', { errorCallback: (m) => process.stderr.write(`[load] ${m}\n`) });
await pyodide.runPythonAsync('import micropip\nawait micropip.install("nomyo-web")');
send({ ready: Math.round(performance.now() - started), load_ms: Math.round(loaded - started) });

readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  const request = JSON.parse(line);
  if (request.network) {
    send({ id: request.id, ok: true, value: network });
    return;
  }
  try {
    const value = await pyodide.runPythonAsync(request.code);
    send({ id: request.id, ok: true, value: String(value) });
  } catch (error) {
    send({ id: request.id, ok: false, error: String(error?.message ?? error) });
  }
}).on('close', () => process.exit(0));

// The OpenAI-SDK page: boots Pyodide from this server, installs nomyo-web and openai
// with micropip from the local lock (never a CDN), imports openai_page.py and asks
// through the official SDK. Nothing is written to any storage.
import { loadPyodide } from './pyodide/pyodide.mjs';

const byId = (id) => document.getElementById(id);
const answer = byId('answer');
const facts = byId('facts');

function show(output, state, text) {
  output.dataset.state = state;
  output.textContent = text;
}

async function boot() {
  const base = new URL('pyodide/', location.href).href;
  // Absolute URLs: a relative lockFileURL fails, and packageBaseUrl stops any CDN fallback.
  const pyodide = await loadPyodide({
    indexURL: base, lockFileURL: `${base}pyodide-lock.json`, packageBaseUrl: base,
  });
  await pyodide.loadPackage('micropip');
  const micropip = pyodide.pyimport('micropip');
  await micropip.install(['nomyo-web', 'openai']);
  micropip.destroy();
  const source = await (await fetch(new URL('openai_page.py', location.href))).text();
  pyodide.FS.writeFile('/home/pyodide/openai_page.py', source);
  pyodide.globals.set('ROUTER', location.origin);
  await pyodide.runPythonAsync('import openai_page');
  return pyodide;
}

async function ask(pyodide) {
  const request = {
    question: byId('question').value,
    model: byId('model').value.trim(),
    api_key: byId('api-key').value.trim(),
    stream: byId('stream').checked,
    blocking: byId('blocking').checked,
  };
  pyodide.globals.set('REQUEST', JSON.stringify(request));
  // Through runPythonAsync, so the blocking client may wait on fetch (JSPI).
  return JSON.parse(await pyodide.runPythonAsync('await openai_page.ask(ROUTER, REQUEST)'));
}

const started = performance.now();
boot().then((pyodide) => {
  show(answer, 'idle', `Ready in ${((performance.now() - started) / 1000).toFixed(1)} s. Ask away.`);
  byId('send').disabled = false;
  byId('ask').addEventListener('submit', async (event) => {
    event.preventDefault();
    byId('send').disabled = true;
    show(answer, 'running', 'Asking…');
    try {
      const result = await ask(pyodide);
      show(answer, result.error ? 'error' : 'done', result.error ?? result.content);
      show(facts, 'done', JSON.stringify(result.facts, null, 2));
    } catch (error) {
      show(answer, 'error', String(error));
    } finally {
      byId('send').disabled = false;
    }
  });
}, (error) => show(answer, 'error', `Could not start: ${error}`));

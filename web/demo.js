// The demo page: boots Pyodide from this server with nomyo-web from the local
// lock, imports demo.py and chats through it. The conversation, the API key and
// the key pair live in this tab's memory only: nothing is written to any storage.
//
// What does not need Python starts at once, in parallel with Pyodide's own
// start: the client's RSA key pair (WebCrypto generates it off the main thread;
// the private key is non-extractable and handed to the client as key_pair=),
// the wheel (loadPyodide's `packages`, fetched while Pyodide boots), demo.py,
// and the router's health check.
import { loadPyodide } from './pyodide/pyodide.mjs';
import {
  byId, el, renderAnswer, renderError, renderKeyReport, renderToolCalls, renderWireEntry, seconds,
} from './demo-ui.js';

const DESKTOP = matchMedia('(min-width: 960px)');
const MODELS = { embedded: 'SmolLM2-135M-Instruct', upstream: 'Qwen/Qwen3-0.6B' };
const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', description: 'City name, e.g. Paris' } },
      required: ['city'],
    },
  },
};

const ui = Object.fromEntries([
  'status', 'intro', 'messages', 'composer', 'prompt', 'send', 'settings', 'settings-summary', 'model', 'models',
  'temperature', 'api-key', 'api-key-required', 'system', 'tool-toggle', 'reset', 'wire', 'wire-empty', 'key-facts',
  'load-progress', 'load-total', 'loader',
].map((id) => [id.replace(/-(\w)/g, (_, c) => c.toUpperCase()), byId(id)]));

/** The router: this page's origin, or ?router=URL when a separate static server serves the page. */
function routerUrl() {
  const given = new URLSearchParams(location.search).get('router');
  if (given && /^https?:\/\//.test(given)) return new URL(given).origin;
  return location.origin;
}
const ROUTER = routerUrl();

function setStatus(state, text) {
  ui.status.dataset.state = state;
  ui.status.textContent = text;
}

// ---- start-up, stage by stage ------------------------------------------------

// Stages run side by side, so each keeps its own start.
const stageTimes = {};
const stageStarts = {};

function stage(name, state, note) {
  const item = document.querySelector(`[data-stage="${name}"]`);
  item.dataset.state = state;
  if (state === 'active') stageStarts[name] ??= performance.now();
  if (state === 'done') {
    stageTimes[name] = performance.now() - stageStarts[name];
    ui.loadProgress.value = Object.keys(stageTimes).length;
  }
  item.querySelector('.stage-time').textContent = note ?? (state === 'done' ? seconds(stageTimes[name]) : '');
}

/** The client's first key pair: exactly what nomyo_web's WebCrypto backend makes itself. */
function startKeyPair() {
  const started = performance.now();
  const pair = crypto.subtle.generateKey(
    { name: 'RSA-OAEP', modulusLength: 4096, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    false, ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey']);
  return { pair, ms: pair.then(() => performance.now() - started) };
}

async function loadRuntime(demoSource) {
  stage('pyodide', 'active', 'loading…');
  const base = new URL('pyodide/', location.href).href;
  // Absolute URLs: a relative lockFileURL fails, and packageBaseUrl stops any CDN fallback.
  // `packages` fetches the wheel (sha256 from the lock checked) while Pyodide boots.
  const pyodide = await loadPyodide({
    indexURL: base, lockFileURL: `${base}pyodide-lock.json`, packageBaseUrl: base, packages: ['nomyo-web'],
  });
  stage('pyodide', 'done');
  stage('package', 'active', 'importing…');
  pyodide.FS.writeFile('/home/pyodide/nomyo_demo.py', await demoSource);
  const module = pyodide.pyimport('nomyo_demo'); // fails loudly if nomyo_web did not load
  stage('package', 'done');
  return module;
}

async function waitForRouter() {
  stage('router', 'active', 'connecting…');
  for (;;) {
    try {
      const response = await fetch(`${ROUTER}/healthz`, { cache: 'no-store' });
      const health = await response.json();
      if (health.ready) {
        stage('router', 'done');
        return health;
      }
      stage('router', 'active', 'model loading…');
    } catch {
      stage('router', 'failed', 'unreachable');
      return {};
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function boot() {
  const key = startKeyPair();
  const demoSource = fetch(new URL('demo.py', location.href)).then((response) => response.text());
  const health = waitForRouter();
  stage('key', 'active', 'generating…');
  const module = await loadRuntime(demoSource);
  const demo = module.start(ROUTER, (json) => renderWireEntry(ui.wire, ui.wireEmpty, JSON.parse(json)), key.pair);
  addEventListener('pagehide', () => demo.dispose());
  const [report, keyMs] = await Promise.all([demo.key_report().then((json) => JSON.parse(json)), key.ms]);
  report.generated_ms ??= Math.round(keyMs);
  stage('key', 'done', seconds(report.generated_ms));
  renderKeyReport(ui.keyFacts, report);
  return { demo, health: await health };
}

// ---- the conversation ---------------------------------------------------------

let history = [];

function readSettings() {
  const temperature = Number.parseFloat(ui.temperature.value);
  return {
    model: ui.model.value.trim() || MODELS.embedded,
    tier: document.querySelector('input[name="tier"]:checked')?.value ?? '',
    temperature: Number.isFinite(temperature) ? temperature : 0,
    apiKey: ui.apiKey.value.trim(),
    system: ui.system.value,
    tools: ui.toolToggle.checked,
  };
}

function updateSummary() {
  const { model, tier, tools, temperature } = readSettings();
  ui.settingsSummary.textContent = [model, tier || 'default tier', `t=${temperature}`, tools ? 'tool' : ''].filter(Boolean).join(' · ');
}

function addMessage(role, ...children) {
  ui.intro.hidden = true;
  const item = el('li', { class: `msg ${role}` }, ...children);
  ui.messages.append(item);
  item.scrollIntoView({ block: 'end' });
  return item;
}

function pendingMessage(text) {
  const item = addMessage('assistant', el('p', { class: 'typing' }, text));
  item.classList.add('pending');
  return item;
}

function runSampleTool(call) {
  let args = {};
  try {
    args = JSON.parse(call.function.arguments || '{}');
  } catch {
    // A model may write invalid JSON; answer with what we have.
  }
  return { city: args.city ?? 'unknown', temperature_c: 18, conditions: 'partly cloudy', note: 'sample data from this page' };
}

async function ask(demo, settings, toolRound) {
  const params = {
    model: settings.model,
    messages: [{ role: 'system', content: settings.system }, ...history],
    temperature: settings.temperature,
  };
  if (settings.tools) {
    params.tools = [WEATHER_TOOL];
    params.tool_choice = toolRound ? 'none' : 'required';
  }
  if (settings.tier) params.security_tier = settings.tier;
  if (settings.apiKey) params.api_key = settings.apiKey;
  const watched = [settings.system, ...history.map((message) => message.content)].filter((text) => typeof text === 'string');
  const result = JSON.parse(await demo.ask(JSON.stringify(params), JSON.stringify(watched)));
  if (!result.ok) throw result.error;
  return result;
}

async function converse(demo, text) {
  const settings = readSettings();
  const before = history.length;
  history.push({ role: 'user', content: text });
  addMessage('user', el('p', { class: 'content' }, text));
  let pending = pendingMessage('Sealing and sending…');
  setStatus('busy', 'Sealed request in flight…');
  try {
    let { completion, ms } = await ask(demo, settings, false);
    const calls = completion.choices?.[0]?.message?.tool_calls;
    if (calls?.length) {
      const results = calls.map(runSampleTool);
      renderToolCalls(pending, completion, ms, results);
      history.push({ role: 'assistant', content: completion.choices[0].message.content ?? null, tool_calls: calls });
      calls.forEach((call, index) => history.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(results[index]) }));
      pending = pendingMessage('Sending the tool result…');
      ({ completion, ms } = await ask(demo, settings, true));
    }
    history.push({ role: 'assistant', content: completion.choices?.[0]?.message?.content ?? '' });
    renderAnswer(pending, completion, ms);
    setStatus('good', `Reply opened in ${ms} ms`);
  } catch (error) {
    history.length = before;
    renderError(pending, error.name ? error : { name: 'Error', message: String(error) });
    setStatus('bad', error.name ?? 'Error');
  }
  pending.scrollIntoView({ block: 'end' });
}

function wireControls(demo) {
  ui.composer.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = ui.prompt.value.trim();
    if (!text || ui.send.disabled) return;
    ui.prompt.value = '';
    ui.send.disabled = true;
    try {
      await converse(demo, text);
    } finally {
      ui.send.disabled = false;
      if (DESKTOP.matches) ui.prompt.focus();
    }
  });
  ui.prompt.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && DESKTOP.matches) {
      event.preventDefault();
      ui.composer.requestSubmit();
    }
  });
  ui.reset.addEventListener('click', () => {
    history = [];
    ui.messages.replaceChildren();
    ui.intro.hidden = false;
    setStatus('ready', 'Ready');
  });
  ui.settings.addEventListener('input', updateSummary);
  ui.settings.addEventListener('change', updateSummary);
}

async function main() {
  ui.settings.open = DESKTOP.matches;
  setStatus('busy', 'Loading Python…');
  try {
    const { demo, health } = await boot();
    const model = MODELS[health.engine] ?? MODELS.embedded;
    ui.models.replaceChildren(...Object.values(MODELS).map((value) => el('option', { value })));
    ui.model.value = model;
    updateSummary();
    wireControls(demo);
    const total = performance.now();
    ui.loadTotal.textContent = `Ready ${seconds(total)} after navigation · Python runtime ${seconds(stageTimes.pyodide)} · nomyo-web ${seconds(stageTimes.package)}`;
    document.documentElement.dataset.loadMs = String(Math.round(total));
    ui.loader.dataset.state = 'done';
    ui.send.disabled = false;
    setStatus(health.ready ? 'ready' : 'bad', health.ready ? `Ready in ${seconds(total)}` : 'Router unreachable');
    document.documentElement.dataset.ready = 'true';
  } catch (error) {
    const active = document.querySelector('[data-stage][data-state="active"]');
    if (active) stage(active.dataset.stage, 'failed', 'failed');
    ui.loadTotal.textContent = `Start-up failed: ${error?.message ?? error}`;
    setStatus('bad', 'Start-up failed');
    document.documentElement.dataset.ready = 'failed';
  }
}

main();

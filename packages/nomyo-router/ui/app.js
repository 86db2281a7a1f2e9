// The chat page: nomyo-js's browser bundle talking to the router that served
// this page. The conversation, the API key and the client's key pair live in
// this tab's memory only; nothing is written to any storage.
import { SecureChatCompletion } from '/nomyo.js';
import { byId, el, setChildren } from '/ui/dom.js';
import { createWireRecorder } from '/ui/wire.js';

const DEFAULT_MODEL = 'Qwen/Qwen3-0.6B';
const DESKTOP = matchMedia('(min-width: 960px)');

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

const HINTS = {
  AuthenticationError: 'This router needs an API key: enter it under Settings.',
  ForbiddenError: 'This model is not allowed in the chosen security tier: pick another tier or model.',
  RateLimitError: 'Rate limited: wait a moment, then send again.',
  ServiceUnavailableError: 'The inference backend is unavailable right now.',
  APIConnectionError: 'The router could not be reached.',
  APITimeoutError: 'The router took too long to answer.',
  SecurityError: 'The reply failed its integrity check and was discarded.',
};

const ui = {
  status: byId('status'),
  intro: byId('intro'),
  messages: byId('messages'),
  composer: byId('composer'),
  prompt: byId('prompt'),
  send: byId('send'),
  settings: byId('settings'),
  summary: byId('settings-summary'),
  model: byId('model'),
  models: byId('models'),
  apiKey: byId('api-key'),
  apiKeyRequired: byId('api-key-required'),
  system: byId('system'),
  tools: byId('tool-toggle'),
  reset: byId('reset'),
};

const wire = createWireRecorder(byId('wire'), byId('wire-empty'));
const client = new SecureChatCompletion({
  baseUrl: location.origin,
  allowHttp: location.protocol === 'http:',
  fetch: wire.fetch,
  maxRetries: 1,
});
addEventListener('pagehide', () => client.dispose());

/** The conversation sent with each request (without the system message, added per request). */
let history = [];

function setStatus(state, text) {
  ui.status.dataset.state = state;
  ui.status.textContent = text;
}

function readSettings() {
  return {
    model: ui.model.value.trim() || DEFAULT_MODEL,
    tier: document.querySelector('input[name="tier"]:checked')?.value ?? '',
    apiKey: ui.apiKey.value.trim(),
    system: ui.system.value.trim(),
    tools: ui.tools.checked,
  };
}

function updateSummary() {
  const { model, tier, tools } = readSettings();
  ui.summary.textContent = [model, tier || 'server default', tools ? 'tool on' : ''].filter(Boolean).join(' · ');
}

function scrollToEnd() {
  ui.messages.lastElementChild?.scrollIntoView({ block: 'end', behavior: 'smooth' });
}

function addMessage(role, ...children) {
  ui.intro.hidden = true;
  const item = el('li', { class: `msg ${role}` }, ...children);
  ui.messages.append(item);
  scrollToEnd();
  return item;
}

function metaLine(completion, ms) {
  const meta = completion._metadata ?? {};
  const tokens = completion.usage?.total_tokens;
  return el(
    'p',
    { class: 'meta' },
    el('span', { class: 'badge', 'data-field': 'tier' }, meta.security_tier ?? 'tier n/a'),
    el('span', {}, 'payload ', el('code', { 'data-field': 'payload-id', title: meta.payload_id ?? '' }, meta.payload_id ?? 'n/a')),
    el('span', { 'data-field': 'model' }, completion.model),
    tokens === undefined ? null : el('span', {}, `${tokens} tokens`),
    el('span', {}, `${ms} ms`),
    meta.is_encrypted ? el('span', { class: 'sealed' }, 'sealed both ways') : null,
  );
}

function renderAnswer(target, completion, ms) {
  const message = completion.choices[0]?.message ?? {};
  target.classList.remove('pending');
  setChildren(
    target,
    message.reasoning_content ? el('details', { class: 'reasoning' }, el('summary', {}, 'Reasoning'), el('p', {}, message.reasoning_content)) : null,
    el('p', { class: 'content', 'data-field': 'content' }, message.content ?? ''),
    metaLine(completion, ms),
  );
}

function runSampleTool(call) {
  let args = {};
  try {
    args = JSON.parse(call.function.arguments || '{}');
  } catch {
    // A model may produce invalid JSON; answer with what we have.
  }
  return { city: args.city ?? 'unknown', temperature_c: 18, conditions: 'partly cloudy', note: 'sample data from this page, not a real forecast' };
}

function renderToolCalls(target, completion, ms, results) {
  const calls = completion.choices[0].message.tool_calls;
  target.classList.remove('pending');
  target.classList.add('tool');
  setChildren(
    target,
    ...calls.map((call, index) =>
      el(
        'div',
        { class: 'tool-call', 'data-field': 'tool-call', 'data-tool-name': call.function.name },
        el('p', { class: 'tool-title' }, 'Tool call ', el('code', {}, `${call.function.name}(${call.function.arguments})`)),
        el('p', { class: 'tool-result' }, 'This page answered: ', el('code', {}, JSON.stringify(results[index]))),
      ),
    ),
    metaLine(completion, ms),
  );
}

function renderError(target, error) {
  target.classList.remove('pending');
  target.classList.add('error');
  const status = error?.statusCode ? ` (${error.statusCode})` : '';
  setChildren(
    target,
    el('p', { class: 'error-title', 'data-field': 'error-name' }, `${error?.name ?? 'Error'}${status}`),
    el('p', {}, error?.message ?? String(error)),
    HINTS[error?.name] ? el('p', { class: 'hint' }, HINTS[error.name]) : null,
  );
}

async function ask(settings, watched, followUp) {
  const params = {
    model: settings.model,
    messages: [...(settings.system ? [{ role: 'system', content: settings.system }] : []), ...history],
  };
  if (settings.tools) {
    params.tools = [WEATHER_TOOL];
    if (followUp) params.tool_choice = 'none';
  }
  if (settings.tier) params.security_tier = settings.tier;
  if (settings.apiKey) params.api_key = settings.apiKey;
  wire.watchFor(watched);
  const started = performance.now();
  const completion = await client.create(params);
  return { completion, ms: Math.round(performance.now() - started) };
}

async function converse(text) {
  const settings = readSettings();
  const watched = [text, settings.system];
  const before = history.length;
  history.push({ role: 'user', content: text });
  addMessage('user', el('p', { class: 'content' }, text));
  let pending = addMessage('assistant', el('p', { class: 'typing' }, 'Sealing and sending…'));
  pending.classList.add('pending');
  setStatus('busy', 'Sealed request in flight…');
  try {
    let { completion, ms } = await ask(settings, watched, false);
    const toolCalls = completion.choices[0]?.message?.tool_calls;
    if (toolCalls?.length) {
      const results = toolCalls.map(runSampleTool);
      renderToolCalls(pending, completion, ms, results);
      history.push({ role: 'assistant', content: completion.choices[0].message.content ?? null, tool_calls: toolCalls });
      toolCalls.forEach((call, index) => history.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(results[index]) }));
      pending = addMessage('assistant', el('p', { class: 'typing' }, 'Sending the tool result…'));
      pending.classList.add('pending');
      ({ completion, ms } = await ask(settings, [...watched, ...history.slice(-toolCalls.length).map((m) => m.content)], true));
    }
    history.push({ role: 'assistant', content: completion.choices[0]?.message?.content ?? '' });
    renderAnswer(pending, completion, ms);
    setStatus('good', `Reply opened in ${ms} ms`);
  } catch (error) {
    history.length = before;
    renderError(pending, error);
    setStatus('bad', error?.name ?? 'Error');
  }
  scrollToEnd();
}

ui.composer.addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = ui.prompt.value.trim();
  if (!text || ui.send.disabled) return;
  ui.prompt.value = '';
  ui.send.disabled = true;
  try {
    await converse(text);
  } finally {
    ui.send.disabled = false;
    ui.prompt.focus();
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

async function loadConfig() {
  try {
    const response = await fetch('/ui/config.json');
    return response.ok ? await response.json() : {};
  } catch {
    return {};
  }
}

const config = await loadConfig();
const models = Array.isArray(config.models) ? config.models : [];
ui.models.replaceChildren(...[...new Set([...models, DEFAULT_MODEL])].map((model) => el('option', { value: model })));
ui.model.value = models[0] ?? DEFAULT_MODEL;
ui.apiKeyRequired.hidden = config.apiKeyRequired !== true;
ui.settings.open = DESKTOP.matches || config.apiKeyRequired === true;
updateSummary();
setStatus('ready', 'Ready');
document.documentElement.dataset.ready = 'true';

// The demo page's DOM: text always goes in as text nodes, never as HTML, so
// nothing a model answers (or a server sends) can become markup or script.

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node;
}

const numbers = new Intl.NumberFormat('en');
export const formatNumber = (value) => numbers.format(value);
export const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

function facts(rows) {
  return rows.filter(Boolean).flatMap(([label, value, state, field]) => [
    el('dt', {}, label),
    el('dd', { 'data-state': state, 'data-field': field }, value),
  ]);
}

// ---- the wire panel --------------------------------------------------------

function wireRows(entry) {
  const rows = [];
  if (entry.bytes !== undefined) {
    rows.push(['Sealed body', `${formatNumber(entry.bytes)} bytes`, null, 'wire-bytes']);
    rows.push(entry.prompt_in_body
      ? ['Your text in body', 'FOUND', 'bad', 'wire-prompt']
      : ['Your text in body', 'absent', 'good', 'wire-prompt']);
    rows.push(['Envelope', entry.summary]);
  } else {
    rows.push(['Body', 'none']);
  }
  if (entry.payload_id) rows.push(['Payload ID', el('code', {}, entry.payload_id), null, 'wire-payload-id']);
  if (entry.method === 'POST') {
    rows.push(['Security tier', entry.tier ?? 'not sent (server default)', null, 'wire-tier']);
    rows.push(['Authorization', entry.authorization ? 'Bearer •••••• (not shown)' : 'none']);
  }
  if (entry.public_key_chars) rows.push(['X-Public-Key', `this tab's public key (${formatNumber(entry.public_key_chars)} chars)`]);
  if (entry.response_bytes !== undefined) rows.push(['Answer', `${formatNumber(entry.response_bytes)} bytes in ${entry.ms} ms`]);
  return rows;
}

export function renderWireEntry(list, emptyHint, entry) {
  const ok = typeof entry.status === 'number' && entry.status < 400;
  const status = entry.status === null ? '…' : String(entry.status);
  const item = el(
    'li',
    {
      class: 'wire-entry',
      'data-number': entry.number,
      'data-path': entry.path,
      'data-bytes': entry.bytes,
      'data-prompt-in-body': entry.bytes === undefined ? undefined : String(entry.prompt_in_body),
      'data-status': entry.status ?? undefined,
    },
    el('div', { class: 'wire-head' },
      el('span', { class: 'wire-method' }, entry.method),
      el('code', { class: 'wire-path' }, entry.path),
      el('span', { class: 'wire-status', 'data-state': entry.status === null ? 'pending' : ok ? 'good' : 'bad' }, status)),
    el('dl', { class: 'facts' }, facts(wireRows(entry))),
    entry.preview ? el('details', {}, el('summary', {}, 'Envelope as sent (long values shortened)'), el('pre', {}, entry.preview)) : null,
  );
  const previous = list.querySelector(`[data-number="${entry.number}"]`);
  if (previous) previous.replaceWith(item);
  else list.prepend(item);
  while (list.children.length > 30) list.lastElementChild.remove();
  emptyHint.hidden = true;
}

// ---- the key panel ----------------------------------------------------------

export function renderKeyReport(target, report) {
  const refused = (result) => (result === 'exported' ? 'bad' : 'good');
  target.replaceChildren(...facts([
    ['Key', `${report.algorithm} ${report.bits}-bit ${report.type} key, made in ${report.generated_ms} ms`],
    ['extractable', String(report.extractable), report.extractable ? 'bad' : 'good', 'key-extractable'],
    ['exportKey("pkcs8")', report.export_pkcs8 === 'exported' ? 'EXPORTED' : `refused (${report.export_pkcs8})`, refused(report.export_pkcs8), 'key-export-pkcs8'],
    ['exportKey("jwk")', report.export_jwk === 'exported' ? 'EXPORTED' : `refused (${report.export_jwk})`, refused(report.export_jwk), 'key-export-jwk'],
    ['Stored', 'nowhere: memory only'],
  ]));
  target.dataset.extractable = String(report.extractable);
}

// ---- messages ---------------------------------------------------------------

export function metaLine(completion, ms) {
  const meta = completion._metadata ?? {};
  const tokens = completion.usage?.total_tokens;
  return el('p', { class: 'meta' },
    el('span', { class: 'badge', 'data-field': 'tier' }, meta.security_tier ?? 'tier n/a'),
    el('span', {}, 'payload ', el('code', { 'data-field': 'payload-id' }, meta.payload_id ?? 'n/a')),
    el('span', { 'data-field': 'model' }, completion.model),
    tokens === undefined ? null : el('span', {}, `${tokens} tokens`),
    el('span', {}, `${formatNumber(ms)} ms`),
    meta.is_encrypted ? el('span', { class: 'sealed' }, 'sealed both ways') : null);
}

export function renderAnswer(target, completion, ms) {
  const message = completion.choices?.[0]?.message ?? {};
  target.classList.remove('pending');
  target.replaceChildren(
    el('p', { class: 'content', 'data-field': 'content' }, message.content ?? ''),
    metaLine(completion, ms));
}

export function renderToolCalls(target, completion, ms, results) {
  const calls = completion.choices[0].message.tool_calls;
  target.classList.remove('pending');
  target.classList.add('tool');
  target.replaceChildren(
    ...calls.map((call, index) => el('div', { class: 'tool-call', 'data-field': 'tool-call', 'data-tool-name': call.function.name },
      el('p', { class: 'tool-title' }, 'Tool call ', el('code', { 'data-field': 'tool-arguments' }, `${call.function.name}(${call.function.arguments})`)),
      el('p', { class: 'tool-result' }, 'This page answered: ', el('code', {}, JSON.stringify(results[index]))))),
    metaLine(completion, ms));
}

const HINTS = {
  AuthenticationError: 'This router needs an API key: enter it under Settings.',
  ForbiddenError: 'This model is not allowed in the chosen security tier: pick another tier or model.',
  RateLimitError: 'Rate limited (after the client\'s retries): wait a moment, then send again.',
  InvalidRequestError: 'The router refused the request as malformed.',
  ServerError: 'The router or its engine failed.',
  ServiceUnavailableError: 'The inference backend is unavailable right now (the model may still be loading).',
  APITimeoutError: 'The router took too long to answer.',
  APIConnectionError: 'The router could not be reached (or refused this page\'s origin).',
  SecurityError: 'A security check failed; nothing was sent or the reply was discarded.',
};

export function renderError(target, error) {
  target.classList.remove('pending');
  target.classList.add('error');
  const status = error.status_code ? ` (${error.status_code})` : '';
  const hint = HINTS[error.classes?.find((name) => name in HINTS) ?? ''];
  target.dataset.errorName = error.name;
  target.replaceChildren(
    el('p', { class: 'error-title', 'data-field': 'error-name' }, `${error.name}${status}`),
    el('p', { 'data-field': 'error-message' }, error.message),
    hint ? el('p', { class: 'hint' }, hint) : null);
}

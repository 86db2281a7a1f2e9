// What crossed the wire: a fetch wrapper, handed to the client through its
// `fetch` option, that records each request exactly as the network sees it and
// renders it into the "On the wire" panel. It never displays the API key or
// any request text: only sizes, protocol headers and a truncated envelope.
import { el } from '/ui/dom.js';

const MAX_ENTRIES = 30;
const PREVIEW_CHARS = 44;

const numberFormat = new Intl.NumberFormat('en');

function truncate(text) {
  return text.length <= PREVIEW_CHARS ? text : `${text.slice(0, PREVIEW_CHARS)}… (${numberFormat.format(text.length)} chars)`;
}

/** The envelope with long base64 values shortened, for display; the raw body itself is never shown whole. */
function envelopePreview(body) {
  let envelope;
  try {
    envelope = JSON.parse(body);
  } catch {
    return { summary: 'not JSON', preview: truncate(body) };
  }
  const shortened = JSON.parse(JSON.stringify(envelope), (_key, value) => (typeof value === 'string' ? truncate(value) : value));
  return { summary: `${envelope.algorithm ?? '?'} v${envelope.version ?? '?'}`, preview: JSON.stringify(shortened, null, 2) };
}

function row(label, value, state) {
  const dd = el('dd', state ? { 'data-state': state } : {}, value);
  return [el('dt', {}, label), dd];
}

function describeRequest({ method, path, headers, body, secrets }) {
  const rows = [];
  const fields = {};
  if (body !== undefined) {
    const bytes = new TextEncoder().encode(body).length;
    const leaked = secrets.some((secret) => secret.length > 0 && body.includes(secret));
    const envelope = envelopePreview(body);
    fields.bytes = String(bytes);
    fields.promptInBody = leaked ? 'yes' : 'no';
    rows.push(row('Sealed body', `${numberFormat.format(bytes)} bytes`));
    rows.push(row('Prompt text in body', leaked ? 'FOUND' : 'absent', leaked ? 'bad' : 'good'));
    rows.push(row('Envelope', envelope.summary));
    fields.preview = envelope.preview;
  } else {
    rows.push(row('Body', 'none'));
  }
  const payloadId = headers.get('x-payload-id');
  if (payloadId) rows.push(row('Payload ID', el('code', { 'data-field': 'wire-payload-id' }, payloadId)));
  if (method === 'POST') rows.push(row('Security tier', headers.get('x-security-tier') ?? 'not sent (server default)'));
  const auth = headers.get('authorization');
  if (method === 'POST') rows.push(row('Authorization', auth ? 'Bearer •••••• (not shown)' : 'none'));
  const publicKey = headers.get('x-public-key');
  if (publicKey) rows.push(row('X-Public-Key', `this tab's RSA public key (${numberFormat.format(publicKey.length)} chars)`));
  return { rows, fields, payloadId, path, method };
}

export function createWireRecorder(list, emptyHint) {
  let secrets = [];

  function render(request) {
    const { rows, fields } = describeRequest(request);
    const status = el('span', { class: 'wire-status', 'data-state': 'pending' }, '…');
    const entry = el(
      'li',
      { class: 'wire-entry', 'data-path': request.path, 'data-bytes': fields.bytes ?? '', 'data-prompt-in-body': fields.promptInBody ?? '' },
      el('div', { class: 'wire-head' }, el('span', { class: 'wire-method' }, request.method), el('code', { class: 'wire-path' }, request.path), status),
      el('dl', {}, ...rows.flat()),
      fields.preview ? el('details', {}, el('summary', {}, 'Envelope as sent (shortened)'), el('pre', {}, fields.preview)) : null,
    );
    emptyHint.hidden = true;
    list.prepend(entry);
    while (list.children.length > MAX_ENTRIES) list.lastElementChild.remove();
    return status;
  }

  /** Same signature as fetch; records, then forwards to the real fetch. */
  async function recordingFetch(input, init = {}) {
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    const headers = new Headers(init.headers);
    const body = typeof init.body === 'string' ? init.body : undefined;
    const status = render({ method: init.method ?? 'GET', path: url.pathname, headers, body, secrets });
    try {
      const response = await fetch(input, init);
      status.textContent = String(response.status);
      status.dataset.state = response.ok ? 'good' : 'bad';
      return response;
    } catch (error) {
      status.textContent = 'failed';
      status.dataset.state = 'bad';
      throw error;
    }
  }

  return {
    fetch: recordingFetch,
    /** The texts whose presence in a request body would be a leak (the prompt, the system message). */
    watchFor(texts) {
      secrets = texts.filter((text) => typeof text === 'string' && text.length > 0);
    },
  };
}

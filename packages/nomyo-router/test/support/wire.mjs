// Hand-built protocol traffic for router tests: real envelopes sealed with
// nomyo-js/protocol, sent over raw HTTP, so each test controls every byte.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import {
  encodePublicKeyHeader,
  importPrivateKeyDer,
  importPublicKeyPem,
  open,
  parseEnvelope,
  pemToDer,
  seal,
  serializeEnvelope,
} from 'nomyo-js/protocol';
import { fixtureKey } from '../../../../test/support/paths.mjs';

export const SECURE_PATH = '/v1/chat/secure_completion';

/** The client fixture key pair, as the router's tests use it. */
export async function clientKeys() {
  const publicKeyPem = readFileSync(fixtureKey('client').publicKey, 'utf8');
  const privateKey = await importPrivateKeyDer(pemToDer(readFileSync(fixtureKey('client').privateKey, 'utf8'), 'PRIVATE KEY'));
  return { publicKeyPem, privateKey, header: encodePublicKeyHeader(publicKeyPem) };
}

export async function serverKeyOf(baseUrl) {
  const response = await fetch(`${baseUrl}/pki/public_key`);
  return (await importPublicKeyPem(await response.text())).key;
}

/** Seals a request object (or raw bytes/string) to the server key; returns the body string. */
export async function sealRequest(request, serverKey) {
  const bytes =
    request instanceof Uint8Array ? request : new TextEncoder().encode(typeof request === 'string' ? request : JSON.stringify(request));
  return serializeEnvelope(await seal(bytes, serverKey));
}

/** POSTs to the secure endpoint; `headers` override the defaults (undefined removes one). */
export async function postSecure(baseUrl, body, headers = {}) {
  const all = { 'content-type': 'application/octet-stream', 'x-payload-id': crypto.randomUUID(), ...headers };
  for (const [name, value] of Object.entries(all)) if (value === undefined) delete all[name];
  const response = await fetch(`${baseUrl}${SECURE_PATH}`, { method: 'POST', headers: all, body });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, bytes, text: new TextDecoder().decode(bytes) };
}

/** Opens a 200 answer with the client key: { envelope, completion }. */
export async function openAnswer(text, privateKey) {
  const envelope = JSON.parse(text);
  const plaintext = await open(parseEnvelope(text), privateKey);
  return { envelope, completion: JSON.parse(new TextDecoder().decode(plaintext)) };
}

/** A ready-to-use sender bound to one router: seal, post, open. */
export async function secureClient(baseUrl) {
  const keys = await clientKeys();
  const serverKey = await serverKeyOf(baseUrl);
  return {
    keys,
    serverKey,
    seal: (request) => sealRequest(request, serverKey),
    post: (body, headers = {}) => postSecure(baseUrl, body, { 'x-public-key': keys.header, ...headers }),
    open: (text) => openAnswer(text, keys.privateKey),
    /** Seal + post + (on 200) open. */
    async complete(request, headers = {}) {
      const response = await postSecure(baseUrl, await sealRequest(request, serverKey), { 'x-public-key': keys.header, ...headers });
      if (response.status !== 200) return { ...response, detail: JSON.parse(response.text).detail };
      return { ...response, ...(await openAnswer(response.text, keys.privateKey)) };
    },
  };
}

export const userRequest = (text, extra = {}) => ({ model: 'test-model', messages: [{ role: 'user', content: text }], ...extra });

/**
 * A raw node:http POST that can lie about Content-Length, stream chunks, and
 * abort midway. Resolves { status, text } or { error } (the code) if the
 * connection failed before an answer.
 */
export function rawPost(baseUrl, { headers = {}, chunks = [], abortAfterChunks } = {}) {
  const url = new URL(`${baseUrl}${SECURE_PATH}`);
  return new Promise((resolve) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, agent: false }, (res) => {
      const parts = [];
      res.on('data', (part) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(parts).toString('utf8') }));
      res.on('error', (error) => resolve({ error: error.code ?? error.message }));
    });
    req.on('error', (error) => resolve({ error: error.code ?? error.message }));
    chunks.forEach((chunk, index) => {
      if (abortAfterChunks !== undefined && index >= abortAfterChunks) return;
      req.write(chunk);
    });
    if (abortAfterChunks !== undefined) setTimeout(() => req.destroy(), 50);
    else req.end();
  });
}

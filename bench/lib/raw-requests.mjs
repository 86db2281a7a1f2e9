// Pre-sealed requests to the router, built with nomyo-js/protocol exactly as the
// client builds them, so a load generator can send them without doing any
// crypto while it is being timed. Responses are sealed to the client fixture key.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
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
import { fixtureKey } from '../../test/support/paths.mjs';

export const BENCH_MODEL = 'bench-model';
export const BENCH_MESSAGES = [{ role: 'user', content: 'Say hello in one short sentence.' }];

const clientPublicPem = readFileSync(fixtureKey('client').publicKey, 'utf8');

export function benchRequest() {
  return { model: BENCH_MODEL, messages: BENCH_MESSAGES };
}

export async function fetchServerKey(baseUrl) {
  const response = await fetch(`${baseUrl}/pki/public_key`);
  if (!response.ok) throw new Error(`GET /pki/public_key answered ${response.status}`);
  return importPublicKeyPem(await response.text());
}

/** `count` distinct sealed requests (each its own AES key, nonce and payload id). */
export async function sealRequests(serverKey, count) {
  const plaintext = new TextEncoder().encode(JSON.stringify(benchRequest()));
  const publicKeyHeader = encodePublicKeyHeader(clientPublicPem);
  const requests = [];
  for (let i = 0; i < count; i++) {
    const body = Buffer.from(serializeEnvelope(await seal(plaintext, serverKey.key)));
    requests.push({
      body,
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(body.length),
        'X-Payload-ID': randomUUID(),
        'X-Public-Key': publicKeyHeader,
      },
    });
  }
  return requests;
}

/** POSTs one raw request over a keep-alive agent; resolves {status, body: Buffer}. */
export function postRaw(url, { body, headers }, agent) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function keepAliveAgent(maxSockets) {
  return new Agent({ keepAlive: true, maxSockets });
}

/** Opens a router response with the client fixture key: proves the load was real work. */
export async function openResponseBody(body) {
  const pem = readFileSync(fixtureKey('client').privateKey, 'utf8');
  const key = await importPrivateKeyDer(pemToDer(pem, 'PRIVATE KEY'));
  const plaintext = await open(parseEnvelope(body.toString('utf8')), key);
  return JSON.parse(new TextDecoder().decode(plaintext));
}

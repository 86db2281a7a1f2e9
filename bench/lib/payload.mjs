// Seal and open throughput of nomyo-js/protocol at 10 KB, 1 MB and 10 MB: the
// whole path a request body takes (seal + JSON serialise, JSON parse + open), so a
// quadratic step anywhere (string building, repeated copies) shows as MB/s falling.
import { readFileSync } from 'node:fs';
import { importPrivateKeyDer, importPublicKeyPem, open, parseEnvelope, pemToDer, seal, serializeEnvelope } from 'nomyo-js/protocol';
import { fixtureKey } from '../../test/support/paths.mjs';
import { median, sampleMs } from './stats.mjs';

export const PAYLOAD_SIZES = [
  { label: '10 KB', bytes: 10_000 },
  { label: '1 MB', bytes: 1_000_000 },
  { label: '10 MB', bytes: 10_000_000 },
];

/** JSON-shaped ASCII, like a chat request carrying a long document. */
function plaintextOf(bytes) {
  const text = JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: '' }] });
  const filler = 'lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(Math.ceil(bytes / 57)).slice(0, bytes - text.length);
  const out = new TextEncoder().encode(text.replace('"content":""', `"content":"${filler}"`));
  return out.subarray(0, bytes);
}

export async function measurePayloads({ iterations }) {
  const keys = fixtureKey('server');
  const publicKey = (await importPublicKeyPem(readFileSync(keys.publicKey, 'utf8'))).key;
  const privateKey = await importPrivateKeyDer(pemToDer(readFileSync(keys.privateKey, 'utf8'), 'PRIVATE KEY'));
  const results = [];
  for (const { label, bytes } of PAYLOAD_SIZES) {
    const plaintext = plaintextOf(bytes);
    const count = Math.max(2, Math.round(iterations * Math.min(1, 100_000 / bytes) * 10));
    let body = '';
    const sealSamples = await sampleMs(async () => {
      body = serializeEnvelope(await seal(plaintext, publicKey));
    }, count + 1);
    let opened;
    const openSamples = await sampleMs(async () => {
      opened = await open(parseEnvelope(body), privateKey);
    }, count + 1);
    if (opened.length !== plaintext.length) throw new Error(`payload ${label} did not round-trip`);
    const sealMs = median(sealSamples.slice(1));
    const openMs = median(openSamples.slice(1));
    results.push({
      label,
      bytes,
      envelopeBytes: body.length,
      iterations: count,
      sealMs,
      openMs,
      sealMBps: bytes / 1e6 / (sealMs / 1000),
      openMBps: bytes / 1e6 / (openMs / 1000),
    });
  }
  return results;
}

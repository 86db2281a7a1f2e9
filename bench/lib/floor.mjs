// The physical floor of one secure call, measured in this process on this run:
// the RSA-4096 operations both sides cannot avoid, done straight through OpenSSL
// (node:crypto, synchronous, no WebCrypto job queue), and one loopback HTTP round
// trip of the same request/response sizes against a plain node:http server.
import { constants, createPrivateKey, createPublicKey, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fixtureKey } from '../../test/support/paths.mjs';
import { keepAliveAgent, postRaw } from './raw-requests.mjs';
import { median, sampleMs, sampleSyncMs } from './stats.mjs';

function oaep(key) {
  return { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
}

/** Median ms of one RSA-4096 OAEP-SHA256 private decrypt and one public encrypt, and their CPU time. */
export function measureRsa({ count }) {
  const privateKey = createPrivateKey(readFileSync(fixtureKey('server').privateKey, 'utf8'));
  const publicKey = createPublicKey(privateKey);
  const aesKey = randomBytes(32);
  const wrapped = publicEncrypt(oaep(publicKey), aesKey);
  const decrypt = () => privateDecrypt(oaep(privateKey), wrapped);
  const encrypt = () => publicEncrypt(oaep(publicKey), aesKey);
  sampleSyncMs(decrypt, 5);
  sampleSyncMs(encrypt, 5);
  const cpuBefore = process.cpuUsage();
  const decryptMs = median(sampleSyncMs(decrypt, count));
  const cpuAfter = process.cpuUsage(cpuBefore);
  const encryptMs = median(sampleSyncMs(encrypt, count));
  return {
    privateDecryptMs: decryptMs,
    publicEncryptMs: encryptMs,
    privateDecryptCpuMs: (cpuAfter.user + cpuAfter.system) / 1000 / count,
  };
}

/**
 * Median ms of one loopback POST of `requestBytes` (with the same headers a sealed
 * request carries) answered by `responseBytes`, over a kept-alive connection: with
 * node:http (the floor) and with fetch (what a Web-API client pays on top).
 */
export async function measureHttpRoundTrip({ echoUrl, requestBytes, responseBytes, headers, count }) {
  const body = Buffer.alloc(requestBytes, 'b');
  const requestHeaders = { ...headers, 'Content-Length': String(requestBytes), 'x-response-bytes': String(responseBytes) };
  const agent = keepAliveAgent(1);
  const viaHttp = async () => {
    const { body: answer } = await postRaw(echoUrl, { body, headers: requestHeaders }, agent);
    if (answer.length !== responseBytes) throw new Error('echo server answered the wrong size');
  };
  const { 'Content-Length': _length, ...fetchHeaders } = requestHeaders;
  const viaFetch = async () => {
    const response = await fetch(echoUrl, { method: 'POST', headers: fetchHeaders, body });
    await response.text();
  };
  await sampleMs(viaHttp, 20);
  await sampleMs(viaFetch, 20);
  const httpSamples = [];
  const fetchSamples = [];
  // Interleaved blocks, so drift hits both alike.
  for (let round = 0; round < 4; round++) {
    httpSamples.push(...(await sampleMs(viaHttp, Math.ceil(count / 4))));
    fetchSamples.push(...(await sampleMs(viaFetch, Math.ceil(count / 4))));
  }
  agent.destroy();
  return { nodeHttpMs: median(httpSamples), fetchMs: median(fetchSamples) };
}

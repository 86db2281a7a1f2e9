/**
 * The router's half of the envelope crypto, split by cost:
 *
 * - The RSA-OAEP private decrypt of the request's AES key (1.5 ms on Node 24,
 *   4-6 ms on Node 20) stays on WebCrypto with the non-extractable server key,
 *   which runs it on the libuv threadpool: it never blocks the event loop, and
 *   concurrent requests decrypt on as many cores as the pool has threads.
 * - Everything else — AES-256-GCM both ways and the RSA-OAEP public encrypt of
 *   the answer's key (0.08 ms) — runs synchronously through node:crypto. Each of
 *   those as a WebCrypto call costs a threadpool round trip plus argument
 *   normalisation, more than the work itself for chat-sized payloads. With the
 *   upstream on node:http, this cut router CPU per request by 7-25% and raised
 *   requests/s by 12-50% (Node 20 and 24, 1 and 32 in flight; docs/benchmarks.md).
 *
 * The wire format is exactly nomyo-js/protocol's (protocol.md v1.0): a fresh
 * AES key and 12-byte nonce per message, no AAD, the 16-byte tag apart, the key
 * wrapped with OAEP-SHA256 and MGF1-SHA256 (Node uses `oaepHash` for both).
 * Every failure to open is the same DecryptionFailedError.
 */
import { constants, createCipheriv, createDecipheriv, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import {
  AES_KEY_BYTES,
  DecryptionFailedError,
  ENVELOPE_ALGORITHM,
  KEY_ALGORITHM,
  NONCE_BYTES,
  PAYLOAD_ALGORITHM,
  PROTOCOL_VERSION,
  TAG_BYTES,
  wipe,
  type Envelope,
  type EnvelopeParts,
} from 'nomyo-js/protocol';

const AES_256_GCM = 'aes-256-gcm';

/** Opens validated envelope parts; the caller owns, and should wipe, the returned bytes. */
export async function openWithServerKey(parts: EnvelopeParts, serverKey: CryptoKey): Promise<Uint8Array> {
  let rawKey: Uint8Array | undefined;
  try {
    rawKey = new Uint8Array(await crypto.subtle.decrypt({ name: 'RSA-OAEP' }, serverKey, parts.encryptedKey));
    if (rawKey.length !== AES_KEY_BYTES) throw new DecryptionFailedError();
    const cut = parts.sealed.length - TAG_BYTES;
    const decipher = createDecipheriv(AES_256_GCM, rawKey, parts.nonce, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(parts.sealed.subarray(cut));
    const head = decipher.update(parts.sealed.subarray(0, cut));
    const tail = decipher.final();
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
  } catch {
    throw new DecryptionFailedError();
  } finally {
    wipe(rawKey);
  }
}

/** Seals `plaintext` to a client's RSA public key. The caller keeps ownership of `plaintext`. */
export function sealToClient(plaintext: Uint8Array, clientKey: KeyObject): Envelope {
  const aesKey = randomBytes(AES_KEY_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  try {
    const cipher = createCipheriv(AES_256_GCM, aesKey, nonce, { authTagLength: TAG_BYTES });
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const wrappedKey = publicEncrypt({ key: clientKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, aesKey);
    return {
      version: PROTOCOL_VERSION,
      algorithm: ENVELOPE_ALGORITHM,
      encrypted_payload: {
        ciphertext: ciphertext.toString('base64'),
        nonce: nonce.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
      },
      encrypted_aes_key: wrappedKey.toString('base64'),
      key_algorithm: KEY_ALGORITHM,
      payload_algorithm: PAYLOAD_ALGORITHM,
    };
  } finally {
    aesKey.fill(0);
  }
}

/**
 * Hybrid sealing, exactly as protocol v1.0 says: a fresh AES-256-GCM key and a
 * fresh 12-byte nonce per message, no additional authenticated data, the 16-byte
 * tag carried as its own field, and the AES key wrapped with RSA-OAEP-SHA256
 * (MGF1-SHA-256, no label) under the recipient's public key.
 */
import {
  AES_KEY_BYTES,
  ENVELOPE_ALGORITHM,
  KEY_ALGORITHM,
  NONCE_BYTES,
  PAYLOAD_ALGORITHM,
  PROTOCOL_VERSION,
  TAG_BYTES,
  type Envelope,
  type EnvelopeParts,
} from '../protocol/envelope.js';
import { encodeBase64 } from './base64.js';
import { wipe, type Bytes } from './wipe.js';

const AES_GCM = 'AES-GCM';

/** The one error every failure to open becomes: it says nothing about which step failed. */
export class DecryptionFailedError extends Error {
  override readonly name = 'DecryptionFailedError';
  constructor() {
    super('decryption failed');
  }
}

/** Seals `plaintext` to `recipient` (an RSA-OAEP-SHA256 public key). The caller keeps ownership of `plaintext`. */
export async function seal(plaintext: Bytes, recipient: CryptoKey): Promise<Envelope> {
  const rawKey = crypto.getRandomValues(new Uint8Array(AES_KEY_BYTES));
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  try {
    const aesKey = await crypto.subtle.importKey('raw', rawKey, AES_GCM, false, ['encrypt']);
    const [sealed, wrappedKey] = await Promise.all([
      crypto.subtle.encrypt({ name: AES_GCM, iv: nonce, tagLength: TAG_BYTES * 8 }, aesKey, plaintext),
      crypto.subtle.encrypt({ name: 'RSA-OAEP' }, recipient, rawKey),
    ]);
    // WebCrypto appends the tag to the ciphertext; the wire format carries it apart.
    const cut = sealed.byteLength - TAG_BYTES;
    return {
      version: PROTOCOL_VERSION,
      algorithm: ENVELOPE_ALGORITHM,
      encrypted_payload: {
        ciphertext: encodeBase64(new Uint8Array(sealed, 0, cut)),
        nonce: encodeBase64(nonce),
        tag: encodeBase64(new Uint8Array(sealed, cut)),
      },
      encrypted_aes_key: encodeBase64(new Uint8Array(wrappedKey)),
      key_algorithm: KEY_ALGORITHM,
      payload_algorithm: PAYLOAD_ALGORITHM,
    };
  } finally {
    wipe(rawKey);
  }
}

/**
 * Opens validated envelope parts with an RSA-OAEP-SHA256 private key. Any
 * failure (wrong key, bad padding, bad tag, wrong key length) becomes the same
 * DecryptionFailedError. The caller owns, and should wipe, the returned bytes.
 */
export async function open(parts: EnvelopeParts, privateKey: CryptoKey): Promise<Bytes> {
  let rawKey: Bytes | undefined;
  try {
    rawKey = new Uint8Array(await crypto.subtle.decrypt({ name: 'RSA-OAEP' }, privateKey, parts.encryptedKey));
    if (rawKey.length !== AES_KEY_BYTES) throw new DecryptionFailedError();
    const aesKey = await crypto.subtle.importKey('raw', rawKey, AES_GCM, false, ['decrypt']);
    wipe(rawKey);
    const plaintext = await crypto.subtle.decrypt(
      { name: AES_GCM, iv: parts.nonce, tagLength: TAG_BYTES * 8 },
      aesKey,
      parts.sealed,
    );
    return new Uint8Array(plaintext);
  } catch {
    throw new DecryptionFailedError();
  } finally {
    wipe(rawKey);
  }
}

/** Serialises an envelope as the UTF-8 JSON body, optionally with `processed_at`. */
export function serializeEnvelope(envelope: Envelope): string {
  return JSON.stringify(envelope);
}

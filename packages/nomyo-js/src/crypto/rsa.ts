import type { Bytes } from './wipe.js';
import { MAX_RSA_BITS, MIN_RSA_BITS } from '../protocol/envelope.js';
import { derToPem, pemToDer } from './pem.js';

export const RSA_OAEP_SHA256: RsaHashedImportParams = { name: 'RSA-OAEP', hash: 'SHA-256' };
export const CLIENT_KEY_BITS = 4096;

export interface PublicKeyInfo {
  key: CryptoKey;
  pem: string;
  /** SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex. */
  fingerprint: string;
  bits: number;
}

export interface ClientKeyPair {
  privateKey: CryptoKey;
  publicKeyPem: string;
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

export async function spkiFingerprint(spki: Bytes): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', spki)));
}

/**
 * Imports an RSA public key (PEM, SubjectPublicKeyInfo) for RSA-OAEP-SHA256 and
 * checks its size. Throws TypeError with a safe message on anything else.
 */
export async function importPublicKeyPem(pem: string): Promise<PublicKeyInfo> {
  const spki = pemToDer(pem, 'PUBLIC KEY');
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey('spki', spki, RSA_OAEP_SHA256, true, ['encrypt']);
  } catch {
    throw new TypeError('not an RSA public key');
  }
  const bits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
  if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
    throw new TypeError(`RSA key of ${bits} bits refused (accepted: ${MIN_RSA_BITS}-${MAX_RSA_BITS})`);
  }
  return { key, pem, bits, fingerprint: await spkiFingerprint(spki) };
}

/** Imports PKCS#8 DER as a non-extractable RSA-OAEP-SHA256 private key. */
export async function importPrivateKeyDer(pkcs8: Bytes, extractable = false): Promise<CryptoKey> {
  const key = await crypto.subtle.importKey('pkcs8', pkcs8, RSA_OAEP_SHA256, extractable, ['decrypt']);
  const bits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
  if (bits < MIN_RSA_BITS) throw new TypeError(`RSA key of ${bits} bits refused`);
  return key;
}

/** A fresh RSA-4096 pair whose private half cannot be exported (unless asked). */
export async function generateKeyPair(extractable = false): Promise<ClientKeyPair & { publicKey: CryptoKey }> {
  const pair = (await crypto.subtle.generateKey(
    { ...RSA_OAEP_SHA256, modulusLength: CLIENT_KEY_BITS, publicExponent: new Uint8Array([1, 0, 1]) },
    extractable,
    ['encrypt', 'decrypt'],
  )) as CryptoKeyPair;
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey: pair.publicKey, publicKeyPem: derToPem(spki, 'PUBLIC KEY') };
}

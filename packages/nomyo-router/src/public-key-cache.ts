/**
 * Client public keys from X-Public-Key, imported once per distinct header value
 * (a small LRU): clients usually keep their key for a session, and importing
 * plus fingerprinting a 4096-bit key on every request is wasted work. Each entry
 * is checked by nomyo-js/protocol (RSA-OAEP, 2048-8192 bits) and also kept as a
 * node:crypto KeyObject, which is what the answer is sealed with.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodePublicKeyHeader, importPublicKeyPem, type PublicKeyInfo } from 'nomyo-js/protocol';
import { HttpError } from './http-error.js';

export const MAX_PUBLIC_KEY_HEADER_CHARS = 16 * 1024;

const invalidKey = () => new HttpError(400, 'X-Public-Key must be a percent-encoded PEM RSA public key of 2048 to 8192 bits');

export interface ClientPublicKey extends PublicKeyInfo {
  keyObject: KeyObject;
}

export interface PublicKeyCache {
  /** The imported key for a raw header value, or HttpError 400. */
  get(headerValue: string | undefined): Promise<ClientPublicKey>;
}

async function importHeader(headerValue: string): Promise<ClientPublicKey> {
  try {
    const info = await importPublicKeyPem(decodePublicKeyHeader(headerValue));
    return { ...info, keyObject: createPublicKey(info.pem) };
  } catch (error) {
    throw new HttpError(400, invalidKey().message, { cause: error });
  }
}

export function createPublicKeyCache(maxEntries = 256): PublicKeyCache {
  const entries = new Map<string, Promise<ClientPublicKey>>();
  return {
    get(headerValue) {
      if (!headerValue) return Promise.reject(new HttpError(400, 'X-Public-Key header is required'));
      if (headerValue.length > MAX_PUBLIC_KEY_HEADER_CHARS) return Promise.reject(invalidKey());
      let entry = entries.get(headerValue);
      if (entry === undefined) {
        entry = importHeader(headerValue);
        entry.catch(() => entries.delete(headerValue));
      }
      entries.delete(headerValue); // re-insert: Map order is recency order
      entries.set(headerValue, entry);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return entry;
    },
  };
}

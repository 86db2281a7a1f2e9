import type { Bytes } from './wipe.js';
import { decodeBase64, encodeBase64 } from './base64.js';

export type PemLabel = 'PUBLIC KEY' | 'PRIVATE KEY' | 'ENCRYPTED PRIVATE KEY';

/** Extracts the DER bytes of a PEM block with the given label; throws TypeError otherwise. */
export function pemToDer(pem: string, label: PemLabel): Bytes {
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const start = pem.indexOf(begin);
  const stop = pem.indexOf(end);
  if (start === -1 || stop === -1 || stop < start) {
    throw new TypeError(`expected a PEM block labelled "${label}"`);
  }
  const body = pem.slice(start + begin.length, stop).replace(/[\r\n\t ]/g, '');
  return decodeBase64(body);
}

/** Formats DER as PEM with 64-character lines, the way OpenSSL and Python's `cryptography` do. */
export function derToPem(der: Uint8Array, label: PemLabel): string {
  const body = encodeBase64(der).replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

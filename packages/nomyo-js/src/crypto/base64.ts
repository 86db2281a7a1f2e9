/**
 * Standard, padded base64 over Web APIs only. Uses the native
 * `Uint8Array.prototype.toBase64` / `setFromBase64` where the runtime has them,
 * otherwise `btoa`/`atob` over bounded chunks (no quadratic string building).
 */
import type { Bytes } from './wipe.js';

interface NativeBase64 {
  toBase64?: () => string;
  setFromBase64?: (s: string) => { read: number; written: number };
}

const CHUNK = 3 * 0x4000; // a multiple of 3, so chunk encodings concatenate cleanly
const BASE64_SHAPE = /^[A-Za-z0-9+/]*={0,2}$/;

/** True for standard-alphabet base64 with correct padding (no whitespace, no URL alphabet). */
export function isBase64(value: string): boolean {
  return value.length % 4 === 0 && BASE64_SHAPE.test(value);
}

export function encodeBase64(bytes: Uint8Array): string {
  const native = bytes as Uint8Array & NativeBase64;
  if (typeof native.toBase64 === 'function') return native.toBase64();
  const parts: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += CHUNK) {
    const chunk = bytes.subarray(offset, offset + CHUNK);
    parts.push(btoa(String.fromCharCode.apply(null, chunk as unknown as number[])));
  }
  return parts.join('');
}

/** Decoded length of a value that already passed `isBase64`. */
function decodedLength(value: string): number {
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  return (value.length / 4) * 3 - padding;
}

/**
 * Decodes standard base64. `spare` extra zero bytes are left at the end of the
 * returned buffer so a caller can append (e.g. a GCM tag) without another copy.
 * Throws a TypeError on malformed input.
 */
export function decodeBase64(value: string, spare = 0): Bytes {
  if (!isBase64(value)) throw new TypeError('invalid base64');
  const out = new Uint8Array(decodedLength(value) + spare);
  const target = out as Uint8Array & NativeBase64;
  if (typeof target.setFromBase64 === 'function') {
    target.setFromBase64(value);
    return out;
  }
  let written = 0;
  const step = 4 * 0x4000;
  for (let offset = 0; offset < value.length; offset += step) {
    const binary = atob(value.slice(offset, offset + step));
    for (let i = 0; i < binary.length; i++) out[written++] = binary.charCodeAt(i);
  }
  return out;
}

// A candidate for packages/nomyo-js/src/crypto/base64.ts's fallback path (used on
// every runtime without Uint8Array.prototype.toBase64/setFromBase64, which
// includes Node 20 and Node 24): table-driven, Web APIs only, one pass, and the
// decoder validates the alphabet itself, so the separate isBase64 regex pass over
// the whole string is no longer needed. Proposed to the client's owner with the
// numbers from bench/micro/base64.mjs; not used by the client.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAD = 61; // '='
const ENCODE = new Uint8Array(64).map((_, i) => ALPHABET.charCodeAt(i));
const DECODE = new Uint8Array(256).fill(255);
for (let i = 0; i < 64; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Standard padded base64 of `bytes`. */
export function encodeBase64(bytes) {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let i = 0;
  let j = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[j++] = ENCODE[n >> 18];
    out[j++] = ENCODE[(n >> 12) & 63];
    out[j++] = ENCODE[(n >> 6) & 63];
    out[j++] = ENCODE[n & 63];
  }
  if (i < bytes.length) {
    const two = i + 1 < bytes.length;
    const n = (bytes[i] << 16) | (two ? bytes[i + 1] << 8 : 0);
    out[j++] = ENCODE[n >> 18];
    out[j++] = ENCODE[(n >> 12) & 63];
    out[j++] = two ? ENCODE[(n >> 6) & 63] : PAD;
    out[j++] = PAD;
  }
  return new TextDecoder().decode(out);
}

/**
 * Decodes strict standard base64 (length a multiple of 4, padding only at the
 * end, no whitespace), leaving `spare` zero bytes at the end. Throws TypeError otherwise.
 */
export function decodeBase64(value, spare = 0) {
  if (value.length % 4 !== 0) throw new TypeError('invalid base64');
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  const ascii = new TextEncoder().encode(value);
  if (ascii.length !== value.length) throw new TypeError('invalid base64');
  const out = new Uint8Array((value.length / 4) * 3 - padding + spare);
  const whole = padding ? value.length - 4 : value.length;
  let invalid = 0;
  let j = 0;
  for (let i = 0; i < whole; i += 4) {
    const a = DECODE[ascii[i]];
    const b = DECODE[ascii[i + 1]];
    const c = DECODE[ascii[i + 2]];
    const d = DECODE[ascii[i + 3]];
    invalid |= a | b | c | d;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[j++] = n >> 16;
    out[j++] = (n >> 8) & 255;
    out[j++] = n & 255;
  }
  if (padding) {
    const a = DECODE[ascii[whole]];
    const b = DECODE[ascii[whole + 1]];
    const c = padding === 1 ? DECODE[ascii[whole + 2]] : 0;
    invalid |= a | b | c;
    const n = (a << 18) | (b << 12) | (c << 6);
    out[j++] = n >> 16;
    if (padding === 1) out[j++] = (n >> 8) & 255;
  }
  // Any byte outside the alphabet (including a misplaced '=') maps to 255.
  if (invalid > 63) throw new TypeError('invalid base64');
  return out;
}

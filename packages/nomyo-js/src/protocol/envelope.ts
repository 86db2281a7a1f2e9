/**
 * The v1.0 envelope: pure data, no crypto and no HTTP.
 *
 * `parseEnvelope` is strict: every field present, of the right type, standard
 * base64, and of the exact size AES-256-GCM and RSA-OAEP produce. A wrong
 * `version` or `algorithm` is a downgrade attempt and is refused like any other
 * malformed envelope.
 */
import { decodeBase64 } from '../crypto/base64.js';
import type { Bytes } from '../crypto/wipe.js';

export const PROTOCOL_VERSION = '1.0';
export const ENVELOPE_ALGORITHM = 'hybrid-aes256-rsa4096';
export const KEY_ALGORITHM = 'RSA-OAEP-SHA256';
export const PAYLOAD_ALGORITHM = 'AES-256-GCM';

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const AES_KEY_BYTES = 32;
/** RSA-2048 is the smallest modulus either side accepts; RSA-8192 the largest. */
export const MIN_RSA_BITS = 2048;
export const MAX_RSA_BITS = 8192;

export interface EncryptedPayload {
  ciphertext: string;
  nonce: string;
  tag: string;
}

export interface Envelope {
  version: typeof PROTOCOL_VERSION;
  algorithm: typeof ENVELOPE_ALGORITHM;
  encrypted_payload: EncryptedPayload;
  encrypted_aes_key: string;
  key_algorithm: typeof KEY_ALGORITHM;
  payload_algorithm: typeof PAYLOAD_ALGORITHM;
  /** Present on responses: unix seconds at which the server sealed the answer. */
  processed_at?: number;
}

/**
 * The decoded binary parts of a validated envelope. The ciphertext and the tag
 * are decoded into one buffer, `sealed` = ciphertext || tag, the layout
 * WebCrypto's AES-GCM expects, so opening needs no further copy.
 */
export interface EnvelopeParts {
  sealed: Bytes;
  nonce: Bytes;
  encryptedKey: Bytes;
}

export type EnvelopeProblem =
  | 'not_json'
  | 'not_object'
  | 'unsupported_version'
  | 'unsupported_algorithm'
  | 'unsupported_key_algorithm'
  | 'unsupported_payload_algorithm'
  | 'missing_field'
  | 'bad_field';

/** Thrown by `parseEnvelope`; callers turn it into their own error (client: SecurityError, router: 400). */
export class EnvelopeFormatError extends Error {
  override readonly name = 'EnvelopeFormatError';
  readonly problem: EnvelopeProblem;
  constructor(problem: EnvelopeProblem, message: string) {
    super(message);
    this.problem = problem;
  }
}

function fail(problem: EnvelopeProblem, message: string): never {
  throw new EnvelopeFormatError(problem, message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readBase64(container: Record<string, unknown>, field: string, spare = 0): Bytes {
  const value = container[field];
  if (value === undefined) fail('missing_field', `envelope field "${field}" is missing`);
  try {
    if (typeof value !== 'string') throw new TypeError('not a string');
    return decodeBase64(value, spare);
  } catch {
    fail('bad_field', `envelope field "${field}" is not standard padded base64`);
  }
}

function assertSize(field: string, bytes: Uint8Array, expected: number): void {
  if (bytes.length !== expected) {
    fail('bad_field', `envelope field "${field}" must decode to ${expected} bytes`);
  }
}

/** Parses and validates an envelope; returns the decoded parts and `processed_at` if any. */
export function parseEnvelope(body: string | Uint8Array): EnvelopeParts & { processedAt?: number } {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    fail('not_json', 'envelope is not valid UTF-8 JSON');
  }
  if (!isRecord(value)) fail('not_object', 'envelope is not a JSON object');
  if (value.version === undefined) fail('missing_field', 'envelope field "version" is missing');
  if (value.version !== PROTOCOL_VERSION) fail('unsupported_version', 'unsupported envelope version');
  if (value.algorithm === undefined) fail('missing_field', 'envelope field "algorithm" is missing');
  if (value.algorithm !== ENVELOPE_ALGORITHM) fail('unsupported_algorithm', 'unsupported envelope algorithm');
  // The reference client always sends these two; if present they must name what we do.
  if (value.key_algorithm !== undefined && value.key_algorithm !== KEY_ALGORITHM) {
    fail('unsupported_key_algorithm', 'unsupported key algorithm');
  }
  if (value.payload_algorithm !== undefined && value.payload_algorithm !== PAYLOAD_ALGORITHM) {
    fail('unsupported_payload_algorithm', 'unsupported payload algorithm');
  }
  const payload = value.encrypted_payload;
  if (payload === undefined) fail('missing_field', 'envelope field "encrypted_payload" is missing');
  if (!isRecord(payload)) fail('bad_field', 'envelope field "encrypted_payload" is not an object');

  const nonce = readBase64(payload, 'nonce');
  assertSize('nonce', nonce, NONCE_BYTES);
  const tag = readBase64(payload, 'tag');
  assertSize('tag', tag, TAG_BYTES);
  const encryptedKey = readBase64(value, 'encrypted_aes_key');
  if (encryptedKey.length < MIN_RSA_BITS / 8 || encryptedKey.length > MAX_RSA_BITS / 8) {
    fail('bad_field', 'envelope field "encrypted_aes_key" has an impossible length');
  }
  const sealed = readBase64(payload, 'ciphertext', TAG_BYTES);
  sealed.set(tag, sealed.length - TAG_BYTES);

  const parts: EnvelopeParts & { processedAt?: number } = { sealed, nonce, encryptedKey };
  if (typeof value.processed_at === 'number' && Number.isFinite(value.processed_at)) {
    parts.processedAt = value.processed_at;
  }
  return parts;
}

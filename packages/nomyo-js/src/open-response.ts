/**
 * Turns a 200 response body into a chat completion, or a SecurityError. Every
 * failure here has one fixed message; `reason` says which check failed without
 * telling an attacker which cryptographic step did (a wrong key and a bad tag
 * are both `decryption_failed`).
 */
import { open } from './crypto/seal.js';
import { wipe } from './crypto/wipe.js';
import { SecurityError } from './errors.js';
import { ENVELOPE_ALGORITHM, parseEnvelope } from './protocol/envelope.js';
import type { ChatCompletion } from './types.js';

export const RESPONSE_REJECTED = 'The response failed security validation';

export type RejectionReason = 'malformed_envelope' | 'downgrade' | 'decryption_failed' | 'malformed_payload' | 'payload_id_mismatch';

export class ResponseRejectedError extends SecurityError {
  override readonly code: string = 'response_rejected';
  readonly reason: RejectionReason;
  constructor(reason: RejectionReason) {
    super(RESPONSE_REJECTED);
    this.reason = reason;
  }
}

function parseParts(body: string) {
  try {
    return parseEnvelope(body);
  } catch (error) {
    const problem = (error as { problem?: string }).problem ?? '';
    throw new ResponseRejectedError(problem.startsWith('unsupported_') ? 'downgrade' : 'malformed_envelope');
  }
}

export async function openResponse(body: string, privateKey: CryptoKey, requestId: string): Promise<ChatCompletion> {
  const parts = parseParts(body);
  let plaintext: Uint8Array | undefined;
  let completion: unknown;
  try {
    plaintext = await open(parts, privateKey);
    completion = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch (error) {
    throw new ResponseRejectedError(plaintext === undefined ? 'decryption_failed' : 'malformed_payload');
  } finally {
    wipe(plaintext);
  }
  if (typeof completion !== 'object' || completion === null || Array.isArray(completion)) {
    throw new ResponseRejectedError('malformed_payload');
  }
  const result = completion as ChatCompletion;
  // The id is inside the authenticated plaintext: a response sealed for another
  // request (swapped or replayed by a proxy) is caught here.
  if (result._metadata?.payload_id !== requestId) throw new ResponseRejectedError('payload_id_mismatch');
  const metadata = { ...result._metadata, payload_id: requestId, is_encrypted: true as const, encryption_algorithm: ENVELOPE_ALGORITHM };
  if (parts.processedAt !== undefined) metadata.processed_at = parts.processedAt;
  result._metadata = metadata;
  return result;
}

/**
 * One secure completion, independent of sockets: validate headers → replay
 * cache → parse the envelope → open it with the server key → validate the
 * request → tier policy → engine → seal the answer to the client's key.
 * Every refusal is an HttpError with fixed text; decrypted content never
 * reaches an error body.
 */
import { createHash, type KeyObject } from 'node:crypto';
import type { ChatCompletionRequest } from 'nomyo-js';
import {
  DecryptionFailedError,
  EnvelopeFormatError,
  MAX_PLAINTEXT_BYTES,
  TAG_BYTES,
  isSecurityTier,
  parseEnvelope,
  serializeEnvelope,
  wipe,
  type SecurityTier,
} from 'nomyo-js/protocol';
import { EngineError, type Engine, type EngineCompletion } from './engines/engine.js';
import { openWithServerKey, sealToClient } from './envelope-crypto.js';
import { HttpError, type RouterResponse } from './http-error.js';
import type { PublicKeyCache } from './public-key-cache.js';
import type { ReplayCache } from './policy/replay-cache.js';
import { resolveTier, type TierModels } from './policy/tiers.js';

export interface SecureCompletionContext {
  serverKey: CryptoKey;
  engine: Engine;
  tiers: TierModels;
  replay: ReplayCache;
  publicKeys: PublicKeyCache;
  /** Aborted when the router gives up on in-flight work (forced shutdown). */
  signal: AbortSignal;
}

export interface SecureCompletionInput {
  body: Uint8Array;
  payloadId: string | undefined;
  publicKey: string | undefined;
  tier: string | undefined;
}

/** Filled in as the request is understood, for the request log line. */
export interface RequestNote {
  tier?: string;
  model?: string;
  /** The class name of an unexpected error (never its message). */
  error?: string;
}

const PAYLOAD_ID = /^[\x21-\x7e]{1,128}$/;
const MAX_MODEL_CHARS = 256;

function fingerprintOf(input: SecureCompletionInput): string {
  return createHash('sha256').update(input.publicKey ?? '').update('\n').update(input.tier ?? '').update('\n').update(input.body).digest('hex');
}

function parseRequest(plaintext: Uint8Array): ChatCompletionRequest {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch {
    throw new HttpError(400, 'decrypted request is not valid UTF-8 JSON');
  }
  const request = value as Partial<ChatCompletionRequest> | null;
  const valid =
    typeof request === 'object' && request !== null && !Array.isArray(request) &&
    typeof request.model === 'string' && request.model.length > 0 && request.model.length <= MAX_MODEL_CHARS &&
    Array.isArray(request.messages);
  if (!valid) throw new HttpError(400, 'decrypted request must be a JSON object with a string "model" and a "messages" array');
  delete request.stream; // answers are always whole
  delete request.stream_options;
  return request as ChatCompletionRequest;
}

async function openRequest(body: Uint8Array, serverKey: CryptoKey): Promise<ChatCompletionRequest> {
  let parts;
  try {
    parts = parseEnvelope(body);
  } catch (error) {
    if (error instanceof EnvelopeFormatError) throw new HttpError(400, `invalid envelope: ${error.message}`, { cause: error });
    throw error;
  }
  // The ciphertext is as long as the plaintext: refuse oversize before any RSA work.
  if (parts.sealed.length - TAG_BYTES > MAX_PLAINTEXT_BYTES) throw new HttpError(413, 'decrypted request exceeds 10 MiB');
  let plaintext: Uint8Array;
  try {
    plaintext = await openWithServerKey(parts, serverKey);
  } catch (error) {
    if (error instanceof DecryptionFailedError) throw new HttpError(400, 'decryption failed', { cause: error });
    throw error;
  }
  try {
    if (plaintext.length > MAX_PLAINTEXT_BYTES) throw new HttpError(413, 'decrypted request exceeds 10 MiB');
    return parseRequest(plaintext);
  } finally {
    wipe(plaintext);
  }
}

async function completeWithEngine(engine: Engine, request: ChatCompletionRequest, signal: AbortSignal): Promise<EngineCompletion> {
  try {
    return await engine.complete(request, { signal });
  } catch (error) {
    if (error instanceof EngineError) {
      const headers: Record<string, string> = error.retryAfter ? { 'retry-after': error.retryAfter } : {};
      throw new HttpError(error.status, error.message, { headers, cause: error });
    }
    throw error;
  }
}

function sealAnswer(completion: EngineCompletion, payloadId: string, tier: SecurityTier, clientKey: KeyObject): RouterResponse {
  const processedAt = Math.floor(Date.now() / 1000);
  const answer = {
    ...completion,
    _metadata: { payload_id: payloadId, processed_at: processedAt, is_encrypted: true, response_status: 'success', security_tier: tier },
  };
  const plaintext = new TextEncoder().encode(JSON.stringify(answer));
  try {
    const envelope = sealToClient(plaintext, clientKey);
    const body = serializeEnvelope({ ...envelope, processed_at: processedAt });
    return { status: 200, headers: { 'content-type': 'application/json' }, body };
  } finally {
    wipe(plaintext);
  }
}

export async function handleSecureCompletion(
  context: SecureCompletionContext,
  input: SecureCompletionInput,
  note: RequestNote = {},
): Promise<RouterResponse> {
  const payloadId = input.payloadId;
  if (payloadId === undefined || !PAYLOAD_ID.test(payloadId)) {
    throw new HttpError(400, 'X-Payload-ID must be 1 to 128 printable ASCII characters');
  }
  const requestedTier = input.tier;
  if (requestedTier !== undefined && !isSecurityTier(requestedTier)) {
    throw new HttpError(400, 'X-Security-Tier must be one of standard, high, maximum');
  }
  if (requestedTier) note.tier = requestedTier;
  return context.replay.run(payloadId, fingerprintOf(input), async () => {
    const clientKey = await context.publicKeys.get(input.publicKey);
    const request = await openRequest(input.body, context.serverKey);
    note.model = request.model;
    const tier = resolveTier(context.tiers, requestedTier, request.model);
    note.tier = tier;
    const completion = await completeWithEngine(context.engine, request, context.signal);
    return sealAnswer(completion, payloadId, tier, clientKey.keyObject);
  });
}

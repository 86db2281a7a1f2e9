/**
 * One logical request: attempts with a per-attempt timeout, composed with the
 * caller's signal, retried on connection failures and retryable statuses with
 * backoff. Every retry resends the very same bytes and headers, so the server
 * can recognise it as the same request. Knows nothing of crypto.
 */
import {
  APIConnectionError,
  APIError,
  APITimeoutError,
  APIUserAbortError,
  type NomyoError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { errorFromResponse } from './error-from-response.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import { isRetryableStatus, retryDelay } from './retry.js';
import { sleep } from './sleep.js';

/** Completions are small; this only stops a hostile server from filling memory. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface SendOptions {
  fetch: typeof globalThis.fetch;
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Milliseconds per attempt. */
  timeout: number;
  maxRetries: number;
  signal?: AbortSignal | undefined;
  logger: Logger;
  /** The X-Payload-ID, attached to errors. */
  requestId?: string | undefined;
}

export interface SendResult {
  status: number;
  headers: Headers;
  body: string;
}

type Attempt = { ok: true; result: SendResult } | { ok: false; error: NomyoError; headers?: Headers };

function abortError(requestId: string | undefined): APIUserAbortError {
  return new APIUserAbortError('Request was aborted', requestId === undefined ? {} : { requestId });
}

async function attempt(options: SendOptions): Promise<Attempt> {
  const timeoutSignal = AbortSignal.timeout(options.timeout);
  const signal = options.signal ? AbortSignal.any([options.signal, timeoutSignal]) : timeoutSignal;
  const context = options.requestId === undefined ? {} : { requestId: options.requestId };
  try {
    const init: RequestInit = { method: options.method, headers: options.headers, signal };
    if (options.body !== undefined) init.body = options.body;
    const response = await options.fetch(options.url, init);
    const body = await readBody(response, MAX_RESPONSE_BYTES);
    if (response.ok) return { ok: true, result: { status: response.status, headers: response.headers, body } };
    const error = errorFromResponse(response.status, body, response.headers, options.requestId);
    return { ok: false, error, headers: response.headers };
  } catch (cause) {
    if (options.signal?.aborted) throw abortError(options.requestId);
    if (cause instanceof BodyTooLargeError) {
      throw new APIError('Response body too large', { ...context, cause });
    }
    if (timeoutSignal.aborted) {
      return { ok: false, error: new APITimeoutError(`Request timed out after ${options.timeout} ms`, { ...context, cause }) };
    }
    return { ok: false, error: new APIConnectionError('Connection error: the server could not be reached', { ...context, cause }) };
  }
}

function isRetryable(error: NomyoError): boolean {
  if (error instanceof APIConnectionError) return true;
  return error.statusCode !== undefined && isRetryableStatus(error.statusCode);
}

export async function send(options: SendOptions): Promise<SendResult> {
  for (let retry = 0; ; retry++) {
    if (options.signal?.aborted) throw abortError(options.requestId);
    const outcome = await attempt(options);
    if (outcome.ok) return outcome.result;
    if (retry >= options.maxRetries || !isRetryable(outcome.error)) throw outcome.error;
    const delay = retryDelay(retry, outcome.headers);
    options.logger.warn?.('retrying request', {
      requestId: options.requestId,
      attempt: retry + 2,
      status: outcome.error.statusCode,
      error: outcome.error.code,
      delayMs: Math.round(delay),
    });
    try {
      await sleep(delay, options.signal);
    } catch {
      throw abortError(options.requestId);
    }
  }
}

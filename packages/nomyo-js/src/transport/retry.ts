/**
 * The retry policy in one place: which failures are retried and how long to
 * wait. Pure functions, so the policy is testable without a clock.
 */
import { parseRetryAfter } from './retry-after.js';

export const DEFAULT_MAX_RETRIES = 2;
export const INITIAL_RETRY_DELAY_MS = 500;
export const MAX_RETRY_DELAY_MS = 8_000;
/** A server-named wait longer than this is not honoured; the normal backoff applies instead. */
export const MAX_RETRY_AFTER_MS = 60_000;

// As protocol.md lists them; a 4xx other than 429 means the same bytes would fail again.
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status);
}

/**
 * Milliseconds to wait before retry number `retry` (0 for the first retry).
 * A `Retry-After` within bounds is obeyed exactly, without jitter; otherwise
 * 0.5 s · 2^retry capped at 8 s, with up to 25 % jitter taken off.
 */
export function retryDelay(retry: number, headers?: Headers, random: () => number = Math.random): number {
  const named = parseRetryAfter(headers);
  if (named !== undefined && named >= 0 && named <= MAX_RETRY_AFTER_MS) return named;
  const base = Math.min(INITIAL_RETRY_DELAY_MS * 2 ** retry, MAX_RETRY_DELAY_MS);
  return base * (1 - random() * 0.25);
}

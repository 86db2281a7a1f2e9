/**
 * Requests per minute per caller, as a token bucket: a caller may burst up to
 * `perMinute` requests, and one token comes back every 60/perMinute seconds.
 * `Retry-After` is the whole number of seconds until the next token.
 * The bucket map is bounded: least recently used callers are forgotten first
 * (a forgotten caller starts with a full bucket, which errs towards serving).
 */
import { HttpError } from '../http-error.js';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export interface RateLimiter {
  /** Takes one token for `callerId` or throws HttpError 429 with `Retry-After`. */
  take(callerId: string, nowMs?: number): void;
}

export function createRateLimiter(perMinute: number, maxCallers = 10_000): RateLimiter {
  if (!Number.isInteger(perMinute) || perMinute < 1) throw new TypeError('--rate-limit must be a positive integer');
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, Bucket>();
  return {
    take(callerId, nowMs = Date.now()) {
      const bucket = buckets.get(callerId) ?? { tokens: perMinute, updatedMs: nowMs };
      buckets.delete(callerId); // re-inserted below: Map order doubles as recency order
      bucket.tokens = Math.min(perMinute, bucket.tokens + (nowMs - bucket.updatedMs) * perMs);
      bucket.updatedMs = nowMs;
      buckets.set(callerId, bucket);
      if (buckets.size > maxCallers) buckets.delete(buckets.keys().next().value as string);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return;
      }
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
      throw new HttpError(429, 'rate limit exceeded', { headers: { 'retry-after': String(retryAfter) } });
    },
  };
}

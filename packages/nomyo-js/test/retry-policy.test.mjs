// The retry policy is pure: tested here without a clock or a server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRetryAfter } from '../dist/node/transport/retry-after.js';
import { isRetryableStatus, MAX_RETRY_DELAY_MS, retryDelay } from '../dist/node/transport/retry.js';

test('retries exactly the statuses the protocol names', () => {
  for (const status of [429, 500, 502, 503, 504]) assert.equal(isRetryableStatus(status), true, String(status));
  for (const status of [400, 401, 403, 404, 409, 413]) assert.equal(isRetryableStatus(status), false, String(status));
});

test('exponential backoff from 0.5 s, capped at 8 s, with at most 25 % jitter taken off', () => {
  assert.equal(retryDelay(0, undefined, () => 0), 500);
  assert.equal(retryDelay(1, undefined, () => 0), 1000);
  assert.equal(retryDelay(2, undefined, () => 0), 2000);
  assert.equal(retryDelay(10, undefined, () => 0), MAX_RETRY_DELAY_MS);
  assert.equal(retryDelay(0, undefined, () => 1), 375);
});

test('Retry-After in seconds, as an HTTP date, and retry-after-ms are honoured without jitter', () => {
  assert.equal(retryDelay(0, new Headers({ 'retry-after': '3' }), () => 0.9), 3000);
  assert.equal(retryDelay(0, new Headers({ 'retry-after-ms': '250' }), () => 0.9), 250);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now), 5000);
});

test('an absurd or unreadable Retry-After falls back to the normal backoff', () => {
  assert.equal(retryDelay(0, new Headers({ 'retry-after': '3600' }), () => 0), 500);
  assert.equal(retryDelay(1, new Headers({ 'retry-after': 'soon' }), () => 0), 1000);
  assert.equal(parseRetryAfter(new Headers({ 'retry-after': 'soon' })), undefined);
});

/**
 * Replay protection that doubles as idempotency. A request whose X-Payload-ID
 * and fingerprint (body bytes, X-Public-Key, X-Security-Tier) match an answered
 * one gets the stored sealed answer back byte for byte, without running the
 * model again. Only successful answers are stored, so a retry after a failure
 * is served afresh. A duplicate that arrives while the first is still running
 * waits for, and shares, the first one's result. The same id with a different
 * fingerprint is refused with 409 while either is known.
 *
 * Bounded by entry count, total stored bytes and a TTL; oldest entries go first.
 */
import { HttpError, type RouterResponse } from '../http-error.js';

export interface ReplayCacheOptions {
  maxEntries?: number;
  maxBytes?: number;
  ttlMs?: number;
}

interface Stored {
  fingerprint: string;
  response: RouterResponse;
  bytes: number;
  expiresMs: number;
}

interface InFlight {
  fingerprint: string;
  result: Promise<RouterResponse>;
}

export interface ReplayCache {
  /** Answers from the cache, joins an identical in-flight request, or runs `produce`. */
  run(payloadId: string, fingerprint: string, produce: () => Promise<RouterResponse>): Promise<RouterResponse>;
  readonly size: number;
}

const conflict = () => new HttpError(409, 'X-Payload-ID was already used for a different request');

function sizeOf(response: RouterResponse): number {
  return typeof response.body === 'string' ? Buffer.byteLength(response.body) : response.body.byteLength;
}

export function createReplayCache(options: ReplayCacheOptions = {}): ReplayCache {
  const maxEntries = options.maxEntries ?? 1000;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const ttlMs = options.ttlMs ?? 10 * 60_000;
  const stored = new Map<string, Stored>();
  const inFlight = new Map<string, InFlight>();
  let totalBytes = 0;

  const remove = (id: string) => {
    const entry = stored.get(id);
    if (entry === undefined) return;
    stored.delete(id);
    totalBytes -= entry.bytes;
  };

  const evict = (nowMs: number) => {
    for (const [id, entry] of stored) {
      const overBudget = stored.size > maxEntries || totalBytes > maxBytes;
      if (!overBudget && entry.expiresMs > nowMs) break;
      remove(id);
    }
  };

  const store = (id: string, fingerprint: string, response: RouterResponse) => {
    const bytes = sizeOf(response);
    if (bytes > maxBytes) return;
    remove(id);
    stored.set(id, { fingerprint, response, bytes, expiresMs: Date.now() + ttlMs });
    totalBytes += bytes;
    evict(Date.now());
  };

  return {
    get size() {
      return stored.size;
    },
    async run(payloadId, fingerprint, produce) {
      evict(Date.now());
      const done = stored.get(payloadId);
      if (done !== undefined) {
        if (done.fingerprint !== fingerprint) throw conflict();
        return done.response;
      }
      const running = inFlight.get(payloadId);
      if (running !== undefined) {
        if (running.fingerprint !== fingerprint) throw conflict();
        return running.result;
      }
      const result = produce();
      inFlight.set(payloadId, { fingerprint, result });
      try {
        const response = await result;
        if (response.status === 200) store(payloadId, fingerprint, response);
        return response;
      } finally {
        inFlight.delete(payloadId);
      }
    },
  };
}

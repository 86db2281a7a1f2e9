/**
 * Reads a request body with a hard limit. Past the limit nothing more is kept:
 * the rest is read and discarded (so a client that sends everything before
 * reading gets its 413 instead of a reset), up to DISCARD_LIMIT_BYTES, after
 * which we stop reading; the caller must then close the connection.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

export const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;

export interface BodyReadState {
  /** Set when the body overran the limit: the connection must not be reused. */
  overflowed: boolean;
}

export function readBoundedBody(req: IncomingMessage, limit: number, state: BodyReadState): Promise<Uint8Array> {
  const tooLarge = () => new HttpError(413, `request body exceeds ${limit} bytes`);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) state.overflowed = true;
  if (declared > DISCARD_LIMIT_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const settle = (error: Error | undefined, body?: Uint8Array) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(body as Uint8Array);
    };
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) state.overflowed = true;
      if (!state.overflowed) chunks.push(chunk);
      else chunks.length = 0;
      if (total > DISCARD_LIMIT_BYTES) {
        req.pause();
        settle(tooLarge());
      }
    });
    req.on('end', () => (state.overflowed ? settle(tooLarge()) : settle(undefined, Buffer.concat(chunks, total))));
    // 'close' also follows every complete body: build the error only when it is one.
    const incomplete = () => {
      if (!settled) settle(new HttpError(400, 'request body incomplete'));
    };
    req.on('error', incomplete);
    req.on('close', incomplete);
  });
}

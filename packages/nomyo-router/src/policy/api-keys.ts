/**
 * Bearer API keys. Keys are held only as SHA-256 digests and compared in
 * constant time against every configured key, so neither timing nor early exit
 * tells a caller how close a guess was.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from '../http-error.js';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export interface ApiKeyPolicy {
  /** True when at least one key is configured and callers must present one. */
  readonly required: boolean;
  /**
   * Checks an `Authorization` header. Returns an opaque caller id (a digest
   * prefix, never the key) for rate limiting, or undefined when keys are not
   * required. Throws HttpError 401 otherwise.
   */
  authenticate(authorization: string | undefined): string | undefined;
}

export function createApiKeyPolicy(keys: readonly string[]): ApiKeyPolicy {
  const digests = [...new Set(keys.filter((key) => key.length > 0))].map(digest);
  return {
    required: digests.length > 0,
    authenticate(authorization) {
      if (digests.length === 0) return undefined;
      const token = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
      const presented = digest(token ?? '');
      let matched = false;
      for (const known of digests) matched = timingSafeEqual(known, presented) || matched;
      if (token === undefined || !matched) {
        throw new HttpError(401, 'missing or invalid API key', { headers: { 'www-authenticate': 'Bearer' } });
      }
      return `key:${presented.subarray(0, 8).toString('hex')}`;
    },
  };
}

/** Keys from repeated --api-key flags plus a comma-separated environment value. */
export function collectApiKeys(flags: readonly string[], envValue: string | undefined): string[] {
  const fromEnv = (envValue ?? '').split(',').map((key) => key.trim());
  return [...flags, ...fromEnv].filter((key) => key.length > 0);
}

/**
 * CORS for browser clients: only the configured origins, none by default.
 * Preflights may ask for the protocol's request headers; responses expose only
 * Retry-After and X-Request-ID.
 */
import { jsonResponse, type RouterResponse } from './http-error.js';

const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Public-Key, X-Payload-ID, X-Security-Tier';
const EXPOSED_HEADERS = 'Retry-After, X-Request-ID';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

export interface CorsPolicy {
  /** Headers to add to a response for a request with this Origin (empty when not allowed). */
  responseHeaders(origin: string | undefined): Record<string, string>;
  /** The answer to an OPTIONS request on a route that accepts `methods`. */
  preflight(origin: string | undefined, methods: readonly string[]): RouterResponse;
}

export function createCorsPolicy(origins: readonly string[]): CorsPolicy {
  const allowed = new Set(origins.map((origin) => origin.replace(/\/+$/, '')));
  const isAllowed = (origin: string | undefined): origin is string => origin !== undefined && allowed.has(origin);
  return {
    responseHeaders(origin): Record<string, string> {
      if (!isAllowed(origin)) return allowed.size > 0 ? { vary: 'Origin' } : {};
      return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED_HEADERS, vary: 'Origin' };
    },
    preflight(origin, methods) {
      if (!isAllowed(origin)) return jsonResponse(403, { detail: 'origin not allowed' }, allowed.size > 0 ? { vary: 'Origin' } : {});
      return {
        status: 204,
        headers: {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': [...methods, 'OPTIONS'].join(', '),
          'access-control-allow-headers': ALLOWED_HEADERS,
          'access-control-max-age': PREFLIGHT_MAX_AGE_SECONDS,
          vary: 'Origin',
        },
        body: '',
      };
    },
  };
}

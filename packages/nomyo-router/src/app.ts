/**
 * The router's core: a function from a request to a response, with no socket in
 * sight (server.ts adapts node:http to it). Routing, CORS, and the cheap checks
 * (API key, rate limit, engine readiness) that run before the body is even read,
 * so garbage never costs an RSA decryption.
 */
import { HEADER_PAYLOAD_ID, HEADER_PUBLIC_KEY, HEADER_SECURITY_TIER, PATH_PUBLIC_KEY, PATH_SECURE_COMPLETION } from 'nomyo-js/protocol';
import type { CorsPolicy } from './cors.js';
import type { Engine } from './engines/engine.js';
import { HttpError, errorResponse, jsonResponse, type RouterResponse } from './http-error.js';
import type { ApiKeyPolicy } from './policy/api-keys.js';
import type { RateLimiter } from './policy/rate-limit.js';
import { handleSecureCompletion, type RequestNote, type SecureCompletionContext } from './secure-completion.js';
import type { UiSite } from './ui.js';

export const PATH_HEALTH = '/healthz';

export interface RouterRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  remoteAddress: string;
  /** The whole body, bounded: rejects with HttpError 413 past the limit. */
  readBody(): Promise<Uint8Array>;
}

export interface AppContext extends SecureCompletionContext {
  engine: Engine;
  publicKeyPem: string;
  apiKeys: ApiKeyPolicy;
  rateLimiter: RateLimiter | undefined;
  cors: CorsPolicy;
  /** True once engine.ready() resolved. */
  isEngineReady(): boolean;
  /** The chat page (--ui): answers its own paths, same-origin, so without CORS headers. */
  ui?: UiSite | undefined;
}

type Route = { methods: readonly string[]; handle(context: AppContext, request: RouterRequest, note: RequestNote): Promise<RouterResponse> };

async function secureCompletion(context: AppContext, request: RouterRequest, note: RequestNote): Promise<RouterResponse> {
  const caller = context.apiKeys.authenticate(request.headers.authorization);
  context.rateLimiter?.take(caller ?? `addr:${request.remoteAddress}`);
  if (!context.isEngineReady()) {
    throw new HttpError(503, 'inference engine is starting', { headers: { 'retry-after': '5' } });
  }
  const body = await request.readBody();
  return handleSecureCompletion(
    context,
    {
      body,
      payloadId: request.headers[HEADER_PAYLOAD_ID.toLowerCase()],
      publicKey: request.headers[HEADER_PUBLIC_KEY.toLowerCase()],
      tier: request.headers[HEADER_SECURITY_TIER.toLowerCase()],
    },
    note,
  );
}

const routes: Record<string, Route> = {
  [PATH_PUBLIC_KEY]: {
    methods: ['GET'],
    handle: async (context) => ({ status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: context.publicKeyPem }),
  },
  [PATH_HEALTH]: {
    methods: ['GET'],
    handle: async (context) => {
      const ready = context.isEngineReady();
      return jsonResponse(ready ? 200 : 503, { status: ready ? 'ok' : 'starting', engine: context.engine.name, ready });
    },
  },
  [PATH_SECURE_COMPLETION]: { methods: ['POST'], handle: secureCompletion },
};

function withHeaders(response: RouterResponse, headers: Record<string, string>): RouterResponse {
  return { ...response, headers: { ...response.headers, ...headers } };
}

export async function handleRequest(context: AppContext, request: RouterRequest, note: RequestNote = {}): Promise<RouterResponse> {
  const origin = request.headers.origin;
  const route = Object.hasOwn(routes, request.path) ? routes[request.path] : undefined;
  if (route === undefined) {
    const page = context.ui?.handle(request.method, request.path);
    if (page !== undefined) return page;
    return withHeaders(jsonResponse(404, { detail: 'not found' }), context.cors.responseHeaders(origin));
  }
  if (request.method === 'OPTIONS') return context.cors.preflight(origin, route.methods);
  let response: RouterResponse;
  if (!route.methods.includes(request.method)) {
    response = jsonResponse(405, { detail: 'method not allowed' }, { allow: [...route.methods, 'OPTIONS'].join(', ') });
  } else {
    try {
      response = await route.handle(context, request, note);
    } catch (error) {
      if (!(error instanceof HttpError)) note.error = error instanceof Error ? error.name : typeof error;
      response = errorResponse(error);
    }
  }
  return withHeaders(response, context.cors.responseHeaders(origin));
}

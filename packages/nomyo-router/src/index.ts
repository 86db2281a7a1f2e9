/**
 * nomyo-router for programmatic use: `startRouter(options)` loads the server key,
 * creates the engine, and serves the protocol until `close()`.
 */
import { createApiKeyPolicy } from './policy/api-keys.js';
import { createRateLimiter } from './policy/rate-limit.js';
import { createReplayCache, type ReplayCacheOptions } from './policy/replay-cache.js';
import { parseTierModels, type TierModels } from './policy/tiers.js';
import { createCorsPolicy } from './cors.js';
import { createEngine, type EngineChoice } from './engines/create.js';
import type { Engine } from './engines/engine.js';
import { silentLogger, type RouterLogger } from './log.js';
import { createPublicKeyCache } from './public-key-cache.js';
import { loadServerKey } from './server-key.js';
import { serve } from './server.js';
import { loadUi } from './ui.js';

export { EngineError, type Engine, type EngineCompletion } from './engines/engine.js';
export { createUpstreamEngine, type UpstreamEngineOptions } from './engines/upstream.js';
export { createJsonLogger, silentLogger, type RouterLogger, type RequestLogEntry } from './log.js';
export { ServerKeyError } from './server-key.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 12435;

export interface RouterOptions extends EngineChoice {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  apiKeys?: string[];
  /** `TIER=MODEL[,MODEL]` strings, or an already parsed map. */
  tierModels?: string[] | TierModels;
  /** PKCS#8 PEM; created (0600) when missing. Without it, an ephemeral RSA-4096 key. */
  keyFile?: string;
  keyPassword?: string;
  /** Requests per minute per API key (or per address for anonymous callers). */
  rateLimit?: number;
  corsOrigins?: string[];
  /** PEM certificate chain and key: serve HTTPS (the URL becomes https://). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Also serve the chat page at `/` and the nomyo-js browser bundle at `/nomyo.js`. */
  ui?: boolean;
  logger?: RouterLogger;
  replayCache?: ReplayCacheOptions;
  /** How long close() waits for in-flight requests. Default 30 s. */
  drainTimeoutMs?: number;
}

export interface RunningRouter {
  url: string;
  host: string;
  port: number;
  publicKeyPem: string;
  /** SHA-256 of the server key's SPKI, hex. */
  fingerprint: string;
  engine: Engine;
  /** Stops accepting, drains in-flight requests, closes the engine. */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startRouter(options: RouterOptions = {}): Promise<RunningRouter> {
  const logger = options.logger ?? silentLogger;
  const tiers = Array.isArray(options.tierModels) ? parseTierModels(options.tierModels) : (options.tierModels ?? {});
  const rateLimiter = options.rateLimit ? createRateLimiter(options.rateLimit) : undefined;
  // Read before anything starts, so a missing page or bundle fails the start, not the first visit.
  const ui = options.ui
    ? loadUi({ models: Object.values(tiers).flatMap((models) => [...models]), apiKeyRequired: (options.apiKeys ?? []).length > 0 })
    : undefined;
  const serverKey = await loadServerKey({ keyFile: options.keyFile, password: options.keyPassword });
  if (serverKey.permissionWarning) logger.warn(serverKey.permissionWarning);
  logger.info('server key', { source: serverKey.source, fingerprint: serverKey.fingerprint });

  const engine = await createEngine(options, logger);
  let engineReady = false;
  engine.ready().then(
    () => {
      engineReady = true;
      logger.info('engine ready', { engine: engine.name });
    },
    (error: unknown) => logger.warn('engine failed to start', { engine: engine.name, error: error instanceof Error ? error.message : String(error) }),
  );

  const shutdown = new AbortController();
  const host = options.host ?? DEFAULT_HOST;
  const handle = await serve(
    {
      serverKey: serverKey.privateKey,
      publicKeyPem: serverKey.publicKeyPem,
      engine,
      tiers,
      replay: createReplayCache(options.replayCache),
      publicKeys: createPublicKeyCache(),
      apiKeys: createApiKeyPolicy(options.apiKeys ?? []),
      rateLimiter,
      cors: createCorsPolicy(options.corsOrigins ?? []),
      isEngineReady: () => engineReady,
      ui,
      signal: shutdown.signal,
    },
    { host, port: options.port ?? DEFAULT_PORT, logger, tls: options.tls },
  );

  let closing: Promise<void> | undefined;
  return {
    url: `${options.tls ? 'https' : 'http'}://${urlHost(host)}:${handle.port}`,
    host,
    port: handle.port,
    publicKeyPem: serverKey.publicKeyPem,
    fingerprint: serverKey.fingerprint,
    engine,
    close() {
      closing ??= (async () => {
        const { forced } = await handle.drain(options.drainTimeoutMs ?? 30_000);
        if (forced) logger.warn('drain deadline passed; in-flight requests were cut off');
        shutdown.abort();
        await engine.close();
      })();
      return closing;
    },
  };
}

/**
 * Picks the engine: an explicit one (programmatic use), an OpenAI-compatible
 * upstream when a URL is given, otherwise the embedded model. The embedded
 * engine is imported only when chosen, so upstream-only deployments never load
 * node-llama-cpp.
 */
import type { RouterLogger } from '../log.js';
import type { Engine } from './engine.js';
import { createUpstreamEngine } from './upstream.js';

export interface EngineChoice {
  engine?: Engine | undefined;
  upstream?: string | undefined;
  upstreamApiKey?: string | undefined;
  upstreamTimeoutMs?: number | undefined;
  modelPath?: string | undefined;
  threads?: number | undefined;
}

interface EmbeddedModule {
  createEmbeddedEngine(options: {
    modelPath?: string | undefined;
    threads?: number | undefined;
    onProgress?: (fraction: number) => void;
    logger?: unknown;
  }): Engine | Promise<Engine>;
}

function embeddedLogger(logger: RouterLogger) {
  return {
    debug: () => {},
    info: (message: string, fields?: Record<string, unknown>) => logger.info(message, fields),
    warn: (message: string, fields?: Record<string, unknown>) => logger.warn(message, fields),
    error: (message: string, fields?: Record<string, unknown>) => logger.warn(message, fields),
  };
}

export async function createEngine(choice: EngineChoice, logger: RouterLogger): Promise<Engine> {
  if (choice.engine) return choice.engine;
  if (choice.upstream) {
    return createUpstreamEngine({ baseUrl: choice.upstream, apiKey: choice.upstreamApiKey, timeoutMs: choice.upstreamTimeoutMs });
  }
  const specifier = './embedded.js'; // a variable keeps tsc from requiring the module at build time
  const embedded = (await import(specifier)) as EmbeddedModule;
  let lastReported = -1;
  return embedded.createEmbeddedEngine({
    modelPath: choice.modelPath,
    threads: choice.threads,
    logger: embeddedLogger(logger),
    onProgress: (fraction) => {
      const percent = Math.floor(fraction * 10) * 10;
      if (percent > lastReported) {
        lastReported = percent;
        logger.info('loading model', { percent });
      }
    },
  });
}

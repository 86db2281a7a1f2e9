/**
 * The embedded engine: a GGUF model run in-process by node-llama-cpp on the
 * CPU, the router's default when no upstream is given. The default model is
 * SmolLM2-135M-Instruct (Q4_1), fetched by `npm run setup:model`.
 *
 * Generation runs on llama.cpp's native threads, so the event loop stays free
 * while a request decodes. Requests take turns on one context sequence in
 * arrival order (FIFO); a request whose signal aborts leaves the line, or
 * stops decoding if it is running.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChatCompletionRequest } from 'nomyo-js';
import { EngineError, type Engine, type EngineCompletion } from './engine.js';
import { createChatWrapper } from './embedded/chat-wrapper.js';
import { generate, prepare, type GenerateHooks, type Loaded } from './embedded/generate.js';
import { FifoQueue } from './embedded/queue.js';

export const DEFAULT_MODEL_FILE = 'SmolLM2-135M-Instruct.Q4_1.gguf';
/** <repo>/models/, found from this file's place in packages/nomyo-router/{src,dist}/engines/. */
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL(`../../../../models/${DEFAULT_MODEL_FILE}`, import.meta.url));

export interface EmbeddedLogger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  info?(message: string, fields?: Record<string, unknown>): void;
  warn?(message: string, fields?: Record<string, unknown>): void;
  error?(message: string, fields?: Record<string, unknown>): void;
}

export interface EmbeddedEngineOptions {
  /** GGUF file. Default: NOMYO_MODEL, else <repo>/models/SmolLM2-135M-Instruct.Q4_1.gguf. */
  modelPath?: string | undefined;
  /**
   * CPU threads. Default: os.availableParallelism(). llama.cpp's threads wait
   * for each other by spinning, so when other work competes for the cores,
   * fewer threads than cores is far faster (2-core machine under load: 1 thread
   * 38 tokens/s, 2 threads 3 tokens/s; idle, both about 55-70).
   */
  threads?: number | undefined;
  /** Context window in tokens (prompt + answer). Default 4096, capped at the model's training context. */
  contextSize?: number | undefined;
  /** Answer length when a request sets neither max_tokens nor max_completion_tokens. Default 1024. */
  defaultMaxTokens?: number | undefined;
  /** Model loading progress, 0 to 1. */
  onProgress?: ((fraction: number) => void) | undefined;
  logger?: EmbeddedLogger | undefined;
}

/** The Engine, plus an optional text hook the benchmark uses to time the first token. */
export interface EmbeddedEngine extends Engine {
  readonly modelPath: string;
  readonly threads: number;
  complete(request: ChatCompletionRequest, options: GenerateHooks): Promise<EngineCompletion>;
}

export function resolveModelPath(modelPath: string | undefined): string {
  const chosen = modelPath ?? process.env.NOMYO_MODEL;
  return chosen ? resolve(chosen) : DEFAULT_MODEL_PATH;
}

function missingModel(path: string): EngineError {
  const hint = path === DEFAULT_MODEL_PATH ? 'run `npm run setup:model` to fetch SmolLM2-135M-Instruct (98 MB)' : 'check --model / NOMYO_MODEL, or run `npm run setup:model` for the default model';
  return new EngineError(503, `embedded model not found at ${path}: ${hint}`);
}

async function load(path: string, threads: number, options: EmbeddedEngineOptions): Promise<Loaded> {
  const log = options.logger;
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  options.onProgress?.(0);
  const llama = await getLlama({
    gpu: false,
    build: 'never',
    skipDownload: true,
    progressLogs: false,
    maxThreads: threads,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal ? log?.error : log?.debug)?.call(log, 'llama.cpp', { level, message: message.trim() }),
  });
  try {
    const model = await llama.loadModel({ modelPath: path, onLoadProgress: (fraction) => options.onProgress?.(fraction) });
    const contextSize = Math.min(options.contextSize ?? 4096, model.trainContextSize);
    const context = await model.createContext({ contextSize, sequences: 1, threads });
    options.onProgress?.(1);
    const wrapper = createChatWrapper(model);
    log?.info?.('embedded model loaded', { model: path, threads, contextSize, chatWrapper: wrapper.wrapperName });
    return { llama, model, sequence: context.getSequence(), wrapper, contextSize, defaultMaxTokens: options.defaultMaxTokens ?? 1024 };
  } catch (error) {
    await llama.dispose();
    throw error;
  }
}

function asEngineError(error: unknown, signal: AbortSignal): EngineError {
  if (error instanceof EngineError) return error;
  if (signal.aborted) return new EngineError(503, 'request cancelled', { cause: error });
  return new EngineError(502, 'the embedded model failed to answer', { cause: error });
}

/**
 * Starts loading the model at once and returns the engine; `ready()` resolves
 * when it can answer. Throws EngineError(503) at once if the model file is missing.
 */
export function createEmbeddedEngine(options: EmbeddedEngineOptions = {}): EmbeddedEngine {
  const modelPath = resolveModelPath(options.modelPath);
  if (!existsSync(modelPath)) throw missingModel(modelPath);
  const threads = options.threads ?? availableParallelism();
  const queue = new FifoQueue();
  const closing = new AbortController();
  let loaded: Loaded | undefined;
  let failure: EngineError | undefined;
  let running: Promise<unknown> | undefined;
  const loading = load(modelPath, threads, options).then(
    (value) => void (loaded = value),
    (error: unknown) => {
      failure = new EngineError(503, `the embedded model failed to load from ${modelPath}`, { cause: error });
      options.logger?.error?.('embedded model failed to load', { model: modelPath, error: String(error) });
      throw failure;
    },
  );
  loading.catch(() => {}); // reported through ready() and complete()

  return {
    name: 'embedded',
    modelPath,
    threads,
    ready: () => loading,
    async complete(request, hooks) {
      if (closing.signal.aborted) throw new EngineError(503, 'the embedded engine is closed');
      if (failure) throw failure;
      if (!loaded) throw new EngineError(503, 'the embedded model is still loading', { retryAfter: '2' });
      const prepared = prepare(request);
      const signal = AbortSignal.any([hooks.signal, closing.signal]);
      let release: (() => void) | undefined;
      try {
        release = await queue.acquire(signal);
        running = generate(loaded, prepared, { ...hooks, signal });
        return (await running) as EngineCompletion;
      } catch (error) {
        throw asEngineError(error, signal);
      } finally {
        release?.();
      }
    },
    async close() {
      if (closing.signal.aborted) return;
      closing.abort(new EngineError(503, 'the embedded engine is closed'));
      queue.close(new EngineError(503, 'the embedded engine is closed'));
      await loading.catch(() => {});
      await running?.catch(() => {});
      await loaded?.llama.dispose();
    },
  };
}

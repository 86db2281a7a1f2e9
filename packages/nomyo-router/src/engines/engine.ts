/**
 * What the router needs from an inference engine: a whole OpenAI
 * `chat.completion` for an OpenAI chat request. The router adds `_metadata`
 * and seals the answer; engines never see ciphertext.
 */
import type { ChatCompletionRequest } from 'nomyo-js';

/** An engine's answer: an OpenAI chat.completion without NOMYO's `_metadata`. */
export interface EngineCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: {
      role: 'assistant';
      content: string | null;
      tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
      reasoning_content?: string;
      [key: string]: unknown;
    };
    finish_reason: string;
    [key: string]: unknown;
  }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  [key: string]: unknown;
}

export interface Engine {
  /** Short name for logs and /healthz, e.g. "upstream" or "embedded". */
  readonly name: string;
  /** Resolves when the engine can answer (model loaded, etc.). */
  ready(): Promise<void>;
  /** One whole completion. `stream` has already been removed from the request. */
  complete(request: ChatCompletionRequest, options: { signal: AbortSignal }): Promise<EngineCompletion>;
  close(): Promise<void>;
}

/**
 * An engine failure the router reports to the client: 502 (bad answer from the
 * engine), 503 (engine unavailable / not ready), 504 (engine timed out), or
 * 400/429 passed through from an upstream that refused the request.
 * `message` must never include prompt text.
 */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  readonly status: 400 | 429 | 502 | 503 | 504;
  readonly retryAfter: string | undefined;
  constructor(status: EngineError['status'], message: string, options: { retryAfter?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.status = status;
    this.retryAfter = options.retryAfter;
  }
}

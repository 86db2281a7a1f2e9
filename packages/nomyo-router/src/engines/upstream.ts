/**
 * An OpenAI-compatible HTTP engine (Ollama, llama.cpp server, vLLM...): POSTs the
 * decrypted request to `<baseUrl>/chat/completions` with `stream: false` over
 * keep-alive connections, and maps every failure to an EngineError whose message
 * is fixed text. Upstream error bodies are never passed on: they may quote the
 * prompt, and router error bodies travel unencrypted.
 */
import type { ChatCompletionRequest } from 'nomyo-js';
import { EngineError, type Engine, type EngineCompletion } from './engine.js';
import { postJson, ResponseTooLargeError } from './http-post.js';

export interface UpstreamEngineOptions {
  /** e.g. http://127.0.0.1:11434/v1 */
  baseUrl: string;
  apiKey?: string | undefined;
  /** Per request, from sending to the last byte of the answer. Default 300 000 ms. */
  timeoutMs?: number | undefined;
  /** Larger answers are refused with 502. Default 32 MiB. */
  maxResponseBytes?: number | undefined;
}

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const RETRY_AFTER = /^(\d{1,6}|[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT)$/;

function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  return cause?.code ?? (error as { code?: string } | undefined)?.code;
}

function networkError(error: unknown, timeout: AbortSignal, caller: AbortSignal): EngineError {
  if (timeout.aborted) return new EngineError(504, 'inference engine timed out', { cause: error });
  if (caller.aborted) return new EngineError(503, 'request cancelled', { cause: error });
  const code = causeCode(error);
  if (code !== undefined && CONNECT_FAILURES.has(code)) return new EngineError(503, 'inference engine unreachable', { cause: error });
  return new EngineError(502, 'inference engine connection failed', { cause: error });
}

function statusError(status: number, retryAfter: string | null): EngineError {
  const passRetryAfter = retryAfter !== null && RETRY_AFTER.test(retryAfter) ? { retryAfter } : {};
  if (status === 429) return new EngineError(429, 'inference engine is rate limited', passRetryAfter);
  if (status === 503) return new EngineError(503, 'inference engine unavailable', passRetryAfter);
  if (status === 401 || status === 403) return new EngineError(502, 'inference engine refused the router credentials');
  if (status >= 400 && status < 500) return new EngineError(400, 'the inference engine refused the request');
  return new EngineError(502, 'inference engine failed');
}

function asCompletion(value: unknown, request: ChatCompletionRequest): EngineCompletion {
  const answer = value as Partial<EngineCompletion> | null;
  const valid =
    typeof answer === 'object' && answer !== null && !Array.isArray(answer) &&
    Array.isArray(answer.choices) && answer.choices.length > 0 &&
    answer.choices.every((choice) => typeof choice?.message === 'object' && choice.message !== null);
  if (!valid) throw new EngineError(502, 'invalid answer from inference engine');
  return {
    ...answer,
    id: typeof answer.id === 'string' ? answer.id : `chatcmpl-${crypto.randomUUID()}`,
    object: 'chat.completion',
    created: typeof answer.created === 'number' ? answer.created : Math.floor(Date.now() / 1000),
    model: typeof answer.model === 'string' ? answer.model : request.model,
  } as EngineCompletion;
}

export function createUpstreamEngine(options: UpstreamEngineOptions): Engine {
  const url = new URL(`${options.baseUrl.replace(/\/+$/, '')}/chat/completions`);
  const timeoutMs = options.timeoutMs ?? 300_000;
  const maxResponseBytes = options.maxResponseBytes ?? 32 * 1024 * 1024;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

  return {
    name: 'upstream',
    async ready() {},
    async complete(request, { signal }) {
      const timeout = AbortSignal.timeout(timeoutMs);
      const combined = AbortSignal.any([signal, timeout]);
      try {
        const response = await postJson(url, headers, JSON.stringify({ ...request, stream: false }), { signal: combined, maxBytes: maxResponseBytes });
        if (response.status !== 200) {
          const retryAfter = response.headers['retry-after'];
          throw statusError(response.status, typeof retryAfter === 'string' ? retryAfter : null);
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(response.body.toString('utf8'));
        } catch {
          throw new EngineError(502, 'invalid answer from inference engine');
        }
        return asCompletion(parsed, request);
      } catch (error) {
        if (error instanceof EngineError) throw error;
        if (error instanceof ResponseTooLargeError) throw new EngineError(502, 'inference engine answer too large');
        throw networkError(error, timeout, signal);
      }
    },
    async close() {},
  };
}

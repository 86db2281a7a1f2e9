/**
 * OpenAI sampling parameters → node-llama-cpp generation options, checked the
 * way the OpenAI API checks them (400 for out-of-range values). When a request
 * leaves temperature or top_p out, the model card's recommendation for
 * SmolLM2 (0.2 and 0.9) is used rather than OpenAI's 1.0, which makes a 135M
 * model ramble.
 */
import type { ChatCompletionRequest } from 'nomyo-js';
import { EngineError } from '../engine.js';

export const DEFAULT_TEMPERATURE = 0.2;
export const DEFAULT_TOP_P = 0.9;
const MAX_STOP_SEQUENCES = 4;

export interface Sampling {
  temperature: number;
  topP: number;
  /** An unsigned 32-bit seed, or undefined for a random one. */
  seed: number | undefined;
  /** What the request asked for (max_completion_tokens wins over max_tokens), or undefined. */
  maxTokens: number | undefined;
  stop: string[];
  repeatPenalty: { frequencyPenalty?: number; presencePenalty?: number } | undefined;
}

function invalid(message: string): never {
  throw new EngineError(400, message);
}

function optionalNumber(request: ChatCompletionRequest, key: string, min: number, max: number): number | undefined {
  const value = request[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) invalid(`${key} must be a number from ${min} to ${max}`);
  return value;
}

function readMaxTokens(request: ChatCompletionRequest): number | undefined {
  for (const key of ['max_completion_tokens', 'max_tokens']) {
    const value = request[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) invalid(`${key} must be a positive integer`);
    return value;
  }
  return undefined;
}

function readStop(stop: unknown): string[] {
  if (stop === undefined || stop === null) return [];
  const list = typeof stop === 'string' ? [stop] : stop;
  if (!Array.isArray(list) || list.length > MAX_STOP_SEQUENCES || !list.every((item) => typeof item === 'string' && item.length > 0)) {
    invalid(`stop must be a non-empty string or a list of up to ${MAX_STOP_SEQUENCES} non-empty strings`);
  }
  return list;
}

function readSeed(seed: unknown): number | undefined {
  if (seed === undefined || seed === null) return undefined;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) invalid('seed must be an integer');
  return Number(BigInt.asUintN(32, BigInt(seed)));
}

function assertSupported(request: ChatCompletionRequest): void {
  if (request.n !== undefined && request.n !== null && request.n !== 1) invalid('n must be 1: the embedded engine returns one choice');
  const bias = request.logit_bias;
  if (bias !== undefined && bias !== null && Object.keys(bias).length > 0) invalid('logit_bias is not supported by the embedded engine');
  if (request.logprobs === true) invalid('logprobs is not supported by the embedded engine');
}

export function readSampling(request: ChatCompletionRequest): Sampling {
  assertSupported(request);
  const frequencyPenalty = optionalNumber(request, 'frequency_penalty', -2, 2);
  const presencePenalty = optionalNumber(request, 'presence_penalty', -2, 2);
  const penalties = { ...(frequencyPenalty ? { frequencyPenalty } : {}), ...(presencePenalty ? { presencePenalty } : {}) };
  return {
    temperature: optionalNumber(request, 'temperature', 0, 2) ?? DEFAULT_TEMPERATURE,
    topP: optionalNumber(request, 'top_p', 0, 1) ?? DEFAULT_TOP_P,
    seed: readSeed(request.seed),
    maxTokens: readMaxTokens(request),
    stop: readStop(request.stop),
    repeatPenalty: Object.keys(penalties).length > 0 ? penalties : undefined,
  };
}

/**
 * How many tokens the answer may use: what was asked (or `fallback`), never
 * more than the context has left after the prompt. 400 when the prompt alone
 * fills the context.
 */
export function budgetTokens(asked: number | undefined, fallback: number, promptTokens: number, contextSize: number): number {
  const room = contextSize - promptTokens;
  if (room < 1) invalid(`the prompt is ${promptTokens} tokens; the embedded model's context holds ${contextSize}`);
  return Math.min(asked ?? fallback, room);
}

/** Client options: their defaults and their validation, before anything is sent. */
import { InvalidRequestError, SecurityError } from './errors.js';
import type { Logger } from './logger.js';

export const DEFAULT_BASE_URL = 'https://api.nomyo.ai';
/** Ten minutes per attempt: long completions on large models take a while. */
export const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;
/** In-memory keys are replaced hourly; `keyRotationInterval: 0` disables. */
export const DEFAULT_KEY_ROTATION_MS = 60 * 60 * 1000;

export interface SecureChatCompletionOptions {
  /** Endpoint base URL. Default: `NOMYO_BASE_URL` from the environment where there is one, else `https://api.nomyo.ai`. */
  baseUrl?: string;
  /**
   * Sent as `Authorization: Bearer <apiKey>`; never inside the encrypted payload.
   * Default: `NOMYO_API_KEY` from the environment where there is one.
   */
  apiKey?: string | undefined;
  /** Permit a plain `http://` baseUrl (local development only). Prints one security warning. */
  allowHttp?: boolean;
  /** Milliseconds per attempt before an `APITimeoutError`. Default 10 minutes. */
  timeout?: number;
  /** Retries after the first attempt on 429, 5xx and network failures. Default 2. */
  maxRetries?: number;
  /** Node only: load `private_key.pem`/`public_key.pem` from here, or create them. */
  keyDir?: string;
  /** Node only: password of an encrypted PKCS#8 `private_key.pem`. */
  keyPassword?: string;
  /** Milliseconds between rotations of an in-memory key pair; 0 disables. Default 1 hour; always 0 with `keyDir`. */
  keyRotationInterval?: number;
  /** Pin: SHA-256 (hex) of the server key's SubjectPublicKeyInfo. */
  serverKeyFingerprint?: string;
  /** A fetch implementation; default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Diagnostics sink; silent by default. */
  logger?: Logger;
}

export interface RequestOptions {
  signal?: AbortSignal;
  timeout?: number;
  maxRetries?: number;
}

/**
 * Reads an environment variable where the runtime has `process.env` (Node,
 * Bun, Deno's Node compatibility); undefined in browsers and workers. Like the
 * OpenAI SDK's OPENAI_BASE_URL / OPENAI_API_KEY.
 */
export function readEnv(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[name]?.trim();
  return value ? value : undefined;
}

export function assertNonNegativeInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidRequestError(`${name} must be a non-negative integer`);
  }
}

/** Validates a base URL: https, or http only with allowHttp. Returns it without a trailing slash. */
export function normalizeBaseUrl(value: unknown, allowHttp: boolean): string {
  if (typeof value !== 'string') throw new InvalidRequestError('baseUrl must be a string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidRequestError('baseUrl is not a valid URL');
  }
  if (url.protocol === 'http:') {
    if (!allowHttp) {
      throw new SecurityError(
        'Refusing plain HTTP: the server key would travel unauthenticated. Use https://, or set allowHttp: true for local development only.',
      );
    }
  } else if (url.protocol !== 'https:') {
    throw new InvalidRequestError('baseUrl must use https:// (or http:// with allowHttp)');
  }
  if (url.username || url.password) throw new InvalidRequestError('baseUrl must not contain credentials');
  return url.href.replace(/\/+$/, '');
}

/**
 * The one exception type the router turns into a response: a status, a fixed
 * `detail` that is safe to send in plaintext (never prompt text, never a key),
 * and optional headers such as `Retry-After`.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, detail: string, options: { headers?: Record<string, string>; cause?: unknown } = {}) {
    super(detail, { cause: options.cause });
    this.status = status;
    this.headers = options.headers ?? {};
  }
}

/** What the core returns for the wiring to write: a status, headers and a whole body. */
export interface RouterResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
}

const JSON_TYPE = 'application/json';

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): RouterResponse {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(value) };
}

/** `{"detail": ...}` for an HttpError; anything else is a 500 whose detail says nothing. */
export function errorResponse(error: unknown): RouterResponse {
  if (error instanceof HttpError) return jsonResponse(error.status, { detail: error.message }, error.headers);
  return jsonResponse(500, { detail: 'internal server error' });
}

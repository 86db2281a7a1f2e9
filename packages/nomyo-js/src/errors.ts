/**
 * Typed errors. Every error this package throws is a `NomyoError`, with a
 * stable `code` to switch on; HTTP failures are `APIError`s that also carry
 * `statusCode`, the parsed body as `errorDetails`, and the response headers.
 */

export interface APIErrorInit {
  statusCode?: number;
  errorDetails?: Record<string, unknown>;
  headers?: Headers;
  requestId?: string;
  cause?: unknown;
}

export class NomyoError extends Error {
  /** A stable, machine-readable identifier for this kind of failure. */
  readonly code: string = 'nomyo_error';
  statusCode?: number;
  errorDetails?: Record<string, unknown>;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

export class APIError extends NomyoError {
  override readonly code: string = 'api_error';
  readonly headers?: Headers;
  /** The `X-Payload-ID` of the request that failed, when one was sent. */
  readonly requestId?: string;

  constructor(message: string, init: APIErrorInit = {}) {
    super(message, { cause: init.cause });
    if (init.statusCode !== undefined) this.statusCode = init.statusCode;
    if (init.errorDetails !== undefined) this.errorDetails = init.errorDetails;
    if (init.headers !== undefined) this.headers = init.headers;
    if (init.requestId !== undefined) this.requestId = init.requestId;
  }
}

/** 400, or a request refused by the client before sending (no `statusCode` then). */
export class InvalidRequestError extends APIError {
  override readonly code: string = 'invalid_request';
}

/** 401: the API key is missing or invalid. */
export class AuthenticationError extends APIError {
  override readonly code: string = 'authentication_failed';
}

/** 403: e.g. the model is not allowed for the requested security tier. */
export class ForbiddenError extends APIError {
  override readonly code: string = 'forbidden';
}

/** 429, after the automatic retries were used up. */
export class RateLimitError extends APIError {
  override readonly code: string = 'rate_limited';
}

/** 500, 502 or 504, after the automatic retries were used up. */
export class ServerError extends APIError {
  override readonly code: string = 'server_error';
}

/** 503: the inference backend is unavailable, after the automatic retries. */
export class ServiceUnavailableError extends APIError {
  override readonly code: string = 'service_unavailable';
}

/** The server could not be reached (refused, reset, DNS), after the automatic retries. */
export class APIConnectionError extends APIError {
  override readonly code: string = 'connection_failed';
}

/** An attempt ran past `timeout`, after the automatic retries. */
export class APITimeoutError extends APIConnectionError {
  override readonly code: string = 'timeout';
}

/** The caller's `AbortSignal` fired. Never retried. */
export class APIUserAbortError extends APIError {
  override readonly code: string = 'aborted';
}

/**
 * A security failure: plain HTTP without `allowHttp`, a downgraded, malformed,
 * tampered or swapped response, an unexpected server key. Messages are fixed
 * and say nothing about which cryptographic step failed.
 */
export class SecurityError extends NomyoError {
  override readonly code: string = 'security_error';
}

/** The client was used after `dispose()`. */
export class ClientDisposedError extends NomyoError {
  override readonly code: string = 'client_disposed';
}

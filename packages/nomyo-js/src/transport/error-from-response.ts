/** Maps a non-2xx response to its typed error: the one place status codes become classes. */
import {
  APIError,
  AuthenticationError,
  ForbiddenError,
  InvalidRequestError,
  RateLimitError,
  ServerError,
  ServiceUnavailableError,
  type APIErrorInit,
} from '../errors.js';

type ErrorClass = new (message: string, init?: APIErrorInit) => APIError;

const BY_STATUS: Record<number, [ErrorClass, string]> = {
  400: [InvalidRequestError, 'Bad request'],
  401: [AuthenticationError, 'Invalid API key or authentication failed'],
  403: [ForbiddenError, 'Forbidden: model not allowed for the requested security tier'],
  404: [APIError, 'Endpoint not found: secure inference not enabled'],
  429: [RateLimitError, 'Rate limit exceeded'],
  500: [ServerError, 'Server error'],
  502: [ServerError, 'Bad gateway'],
  503: [ServiceUnavailableError, 'Service unavailable'],
  504: [ServerError, 'Gateway timeout'],
};

function parseDetails(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function detailText(details: Record<string, unknown> | undefined): string | undefined {
  const detail = details?.detail ?? (details?.error as { message?: unknown } | undefined)?.message;
  if (typeof detail === 'string' && detail.length > 0) return detail.slice(0, 1000);
  if (detail !== undefined) return JSON.stringify(detail).slice(0, 1000);
  return undefined;
}

export function errorFromResponse(status: number, body: string, headers: Headers, requestId?: string): APIError {
  const [ErrorType, fallback] = BY_STATUS[status] ?? [status >= 500 ? ServerError : APIError, `HTTP ${status}`];
  const errorDetails = parseDetails(body);
  const message = detailText(errorDetails) ?? fallback;
  const init: APIErrorInit = { statusCode: status, headers };
  if (errorDetails !== undefined) init.errorDetails = errorDetails;
  if (requestId !== undefined) init.requestId = requestId;
  return new ErrorType(message, init);
}

"""The typed errors of nomyo_web, and the one place an HTTP status becomes one.

The names, attributes and parents follow the official client ``nomyo`` 0.2.9,
so ``except`` clauses move between the two unchanged::

    NomyoError                       message, status_code, error_details
    ├── APIError                     an HTTP status came back (except 200)
    │   ├── InvalidRequestError      400
    │   ├── AuthenticationError      401
    │   ├── ForbiddenError           403 (model not allowed for the tier)
    │   ├── RateLimitError           429
    │   ├── ServerError              500, 502, 504
    │   └── ServiceUnavailableError  503
    ├── APIConnectionError           no usable HTTP answer (refused, reset, DNS)
    │   └── APITimeoutError          an attempt ran past its timeout
    ├── SecurityError                refused to send, or refused what came back
    │   └── ResponseTooLargeError    an answer larger than the protocol allows (not read whole)
    ├── InvalidParameterError        a bad argument, caught before sending (also a ValueError)
    └── ClientDisposedError          the client was disposed (also a RuntimeError)

Messages never carry plaintext, key material or the API key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "ClientDisposedError",
    "ForbiddenError",
    "InvalidParameterError",
    "InvalidRequestError",
    "NomyoError",
    "RateLimitError",
    "ResponseTooLargeError",
    "SecurityError",
    "ServerError",
    "ServiceUnavailableError",
    "error_from_status",
    "is_retryable_status",
]


class NomyoError(Exception):
    """Base of every error this package raises on purpose."""

    def __init__(
        self,
        message: str,
        status_code: int | None = None,
        error_details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.error_details: dict[str, Any] | None = (
            dict(error_details) if error_details is not None else None
        )

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status_code={self.status_code!r})"


class APIError(NomyoError):
    """The server answered with an HTTP error status."""


class InvalidRequestError(APIError):
    """HTTP 400: malformed envelope, undecryptable payload or bad request."""


class AuthenticationError(APIError):
    """HTTP 401: API key missing or invalid."""


class ForbiddenError(APIError):
    """HTTP 403: the model is not allowed for the requested security tier."""


class RateLimitError(APIError):
    """HTTP 429: rate limited (raised after the retries are spent)."""


class ServerError(APIError):
    """HTTP 500, 502 or 504 (raised after the retries are spent)."""


class ServiceUnavailableError(APIError):
    """HTTP 503: the inference backend is unavailable (after the retries)."""


class APIConnectionError(NomyoError):
    """No usable HTTP answer: connection refused or reset, DNS, TLS (after the retries)."""


class APITimeoutError(APIConnectionError):
    """An attempt ran past its timeout (after the retries)."""


class SecurityError(NomyoError):
    """A security check failed: refused to send, or refused the answer.

    Decryption failures all carry one fixed message, so nothing distinguishes a
    wrong key from a tampered tag.
    """


class ResponseTooLargeError(SecurityError):
    """A ``200`` or key answer larger than the protocol allows; reading stopped at the limit.

    A SecurityError, not an APIError: no legitimate server sends it (the
    protocol bounds every answer), so it is refused like a malformed envelope,
    never retried, and never read whole. ``status_code`` is the HTTP status.
    """


class InvalidParameterError(NomyoError, ValueError):
    """An argument is invalid; raised before anything is sent."""


class ClientDisposedError(NomyoError, RuntimeError):
    """The client was disposed; create a new one."""


_STATUS_CLASSES: dict[int, type[APIError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: ForbiddenError,
    429: RateLimitError,
    500: ServerError,
    502: ServerError,
    503: ServiceUnavailableError,
    504: ServerError,
}

_STATUS_PREFIXES: dict[int, str] = {
    400: "Bad request",
    401: "Authentication failed",
    403: "Forbidden",
    404: "Endpoint not found",
    429: "Rate limit exceeded",
    500: "Server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}

_RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def is_retryable_status(status_code: int) -> bool:
    """True for the statuses the protocol retries: 429, 500, 502, 503, 504."""
    return status_code in _RETRYABLE_STATUSES


def error_from_status(status_code: int, body: Any) -> APIError:
    """The typed error for a non-200 answer; ``body`` is the parsed JSON or None."""
    details = body if isinstance(body, dict) else None
    detail = details.get("detail") if details is not None else None
    prefix = _STATUS_PREFIXES.get(status_code, f"HTTP {status_code}")
    if isinstance(detail, str) and detail:
        message = f"{prefix}: {detail[:500]}"
    else:
        message = f"{prefix} (HTTP {status_code})"
    cls = _STATUS_CLASSES.get(status_code, APIError)
    return cls(message, status_code=status_code, error_details=details)

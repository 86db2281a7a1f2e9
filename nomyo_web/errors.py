"""The typed errors of nomyo_web, and the one place an HTTP status becomes one.

The names, attributes, parents and default status codes follow the official
client ``nomyo`` 0.2.9, so ``except`` clauses move between the two unchanged::

    NomyoError                       message, status_code, error_details
    ├── APIError                     an HTTP status came back (except 200)
    │   ├── InvalidRequestError      400
    │   ├── AuthenticationError      401
    │   ├── ForbiddenError           403 (model not allowed for the tier)
    │   ├── RateLimitError           429
    │   ├── ServerError              500, 502, 504
    │   └── ServiceUnavailableError  503
    ├── APIConnectionError           no usable HTTP answer (also a ConnectionError)
    │   └── APITimeoutError          an attempt ran past its timeout (also a TimeoutError)
    ├── SecurityError                refused to send, or refused what came back
    │   └── ResponseTooLargeError    an answer larger than the protocol allows (not read whole)
    ├── InvalidParameterError        a bad argument, caught before sending (also a ValueError)
    ├── UnsupportedEndpointError     an API the protocol does not seal; nothing was sent
    ├── ClientDisposedError          the client was disposed (also a RuntimeError)
    └── SyncUnsupportedError         the sync client cannot block here (also a RuntimeError)

Messages never carry plaintext, key material or the API key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

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
    "SyncUnsupportedError",
    "UnsupportedEndpointError",
    "error_from_status",
    "is_retryable_status",
]


class NomyoError(Exception):
    """Base of every error this package raises on purpose.

    Args:
        message: what went wrong, for people; also ``str(error)``.
        status_code: the HTTP status behind the error; when omitted (None), the
            class's own code, as in ``nomyo`` (``AuthenticationError("x")`` is a 401).
        error_details: the server's parsed JSON error body, e.g. ``{"detail": "..."}``.

    Attributes:
        message, status_code, error_details: as given (``error_details`` copied to a dict).
    """

    default_status_code: ClassVar[int | None] = None

    def __init__(
        self,
        message: str,
        status_code: int | None = None,
        error_details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code if status_code is not None else self.default_status_code
        self.error_details: dict[str, Any] | None = (
            dict(error_details) if error_details is not None else None
        )

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status_code={self.status_code!r})"


class APIError(NomyoError):
    """The server answered with an HTTP error status (any other than 200).

    Args:
        message: what went wrong.
        status_code: the HTTP status (None when made by hand without one).
        error_details: the parsed JSON error body, if any.

    Attributes:
        retry_after: the answer's ``Retry-After`` header as sent, if it had one
            (the OpenAI-SDK transports hand it on to the SDK, which honours it).
    """

    retry_after: str | None = None


class InvalidRequestError(APIError):
    """HTTP 400: malformed envelope, undecryptable payload or bad request.

    Args:
        message: what went wrong.
        status_code: defaults to 400.
        error_details: the parsed JSON error body, if any.
    """

    default_status_code = 400


class AuthenticationError(APIError):
    """HTTP 401: the API key is missing or invalid.

    Args:
        message: what went wrong.
        status_code: defaults to 401.
        error_details: the parsed JSON error body, if any.
    """

    default_status_code = 401


class ForbiddenError(APIError):
    """HTTP 403: the model is not allowed for the requested security tier.

    Args:
        message: what went wrong.
        status_code: defaults to 403.
        error_details: the parsed JSON error body, if any.
    """

    default_status_code = 403


class RateLimitError(APIError):
    """HTTP 429: rate limited (raised once the retries are spent).

    Args:
        message: what went wrong.
        status_code: defaults to 429.
        error_details: the parsed JSON error body, if any.
    """

    default_status_code = 429


class ServerError(APIError):
    """HTTP 500, 502 or 504 (raised once the retries are spent).

    Args:
        message: what went wrong.
        status_code: defaults to 500.
        error_details: the parsed JSON error body, if any.
    """

    default_status_code = 500


class ServiceUnavailableError(APIError):
    """HTTP 503: the inference backend is unavailable (raised once the retries are spent).

    Args:
        message: what went wrong.
        status_code: defaults to 503.
        error_details: the parsed JSON error body, if any.
    """

    default_status_code = 503


class APIConnectionError(NomyoError, ConnectionError):
    """No usable HTTP answer: refused, reset, DNS, TLS (raised once the retries are spent).

    Also a built-in ``ConnectionError``, which is what ``nomyo`` raises when it
    cannot reach the server to fetch its key.

    Args:
        message: what went wrong.
        status_code: None.
        error_details: None.
    """


class APITimeoutError(APIConnectionError, TimeoutError):
    """An attempt ran past its timeout (raised once the retries are spent).

    Also a built-in ``TimeoutError``.

    Args:
        message: what went wrong.
        status_code: None.
        error_details: None.
    """


class SecurityError(NomyoError):
    """A security check failed: refused to send, or refused the answer.

    Decryption failures all carry one fixed message, so nothing distinguishes a
    wrong key from a tampered tag.

    Args:
        message: what was refused.
        status_code: None.
        error_details: None.
    """


class ResponseTooLargeError(SecurityError):
    """A ``200`` or key answer larger than the protocol allows; reading stopped at the limit.

    A SecurityError, not an APIError: no legitimate server sends it (the
    protocol bounds every answer), so it is refused like a malformed envelope,
    never retried, and never read whole. ``status_code`` is the HTTP status.

    Args:
        message: what was refused (never the answer's content).
        status_code: the HTTP status of the refused answer.
        error_details: None.
    """


class InvalidParameterError(NomyoError, ValueError):
    """An argument is invalid; raised before anything is sent. Also a ``ValueError``.

    Args:
        message: which argument, and what would be accepted.
        status_code: None.
        error_details: None.
    """


class UnsupportedEndpointError(NomyoError):
    """The OpenAI SDK asked for an endpoint the protocol does not seal; nothing was sent.

    Only ``POST {prefix}/chat/completions`` is end-to-end encrypted; embeddings,
    models, files and the rest would travel in the clear, so they are refused.

    Args:
        message: which method and path, and why it was not sent.
        status_code: None.
        error_details: None.
    """


class ClientDisposedError(NomyoError, RuntimeError):
    """The client was disposed; create a new one. Also a ``RuntimeError``.

    Args:
        message: what was attempted.
        status_code: None.
        error_details: None.
    """


class SyncUnsupportedError(NomyoError, RuntimeError):
    """The sync client cannot block on this runtime here; use the async client.

    Raised inside Pyodide where the runtime cannot block on a JavaScript promise
    (no JavaScript Promise Integration: Node.js 20, Firefox, Safari, or a call
    path not entered through an async call), before anything is sent.

    Args:
        message: why, and what to use instead.
        status_code: None.
        error_details: None.
    """


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

# ``nomyo``'s message for each status: (prefix, what stands in for a missing detail).
_NOMYO_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Bad request: ", "Unknown error"),
    401: ("", "Invalid API key or authentication failed"),
    403: ("Forbidden: ", "Model not allowed for the requested security tier"),
    404: ("Endpoint not found: ", "Secure inference not enabled"),
    429: ("Rate limit exceeded: ", "unknown"),
    500: ("Server error: ", "unknown"),
    503: ("Service unavailable: ", "unknown"),
}
_MAX_DETAIL_CHARS = 500

_RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def is_retryable_status(status_code: int) -> bool:
    """True for the statuses the protocol retries: 429, 500, 502, 503, 504."""
    return status_code in _RETRYABLE_STATUSES


def _detail(details: dict[str, Any] | None) -> str | None:
    detail = details.get("detail") if details is not None else None
    if detail is None or detail == "":
        return None
    return (detail if isinstance(detail, str) else str(detail))[:_MAX_DETAIL_CHARS]


def error_from_status(status_code: int, body: Any) -> APIError:
    """The typed error for a non-200 answer, worded as ``nomyo`` words it.

    Args:
        status_code: the HTTP status.
        body: the parsed JSON error body, or None.

    Returns:
        An ``APIError`` subclass instance (not raised).
    """
    details = body if isinstance(body, dict) else None
    detail = _detail(details)
    prefix, missing = _NOMYO_MESSAGES.get(
        status_code, (f"Unexpected status code: {status_code} ", "unknown")
    )
    message = prefix + (detail if detail is not None else missing)
    cls = _STATUS_CLASSES.get(status_code, APIError)
    return cls(message, status_code=status_code, error_details=details)

"""The only code that does HTTP: one small interface, two implementations.

* ``httpx_.HttpxTransport``: one reused ``httpx.AsyncClient`` (CPython).
* ``fetch.FetchTransport``: the browser's ``fetch`` (Pyodide), aborted
  through an ``AbortController`` when the awaiting task is cancelled.

A transport sends one request and returns one response: no retries, no
status interpretation, no keys. It raises ``TransportError`` when no HTTP
answer arrived and ``TransportTimeout`` when the attempt -- connecting,
sending, and reading the whole body -- ran out of time;
``asyncio.CancelledError`` passes through after the request is aborted.

Bodies are read with a bound: a ``200`` answer up to ``max_body_bytes``
(past it, or when its ``Content-Length`` says so, reading stops and
``TransportBodyTooLarge`` is raised), any other status up to
``max_error_body_bytes`` (the rest is left unread and the body is cut).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ..protocol import MAX_ERROR_BODY_BYTES

__all__ = [
    "AsyncTransport",
    "Request",
    "Response",
    "TransportBodyTooLarge",
    "TransportError",
    "TransportTimeout",
    "body_limit",
]


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request. ``timeout`` is in seconds for the whole attempt (None: no limit).

    ``max_body_bytes`` bounds a ``200`` answer's body (None: no bound);
    ``max_error_body_bytes`` is how much of any other answer's body is read.
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes | None = None
    timeout: float | None = None
    max_body_bytes: int | None = None
    max_error_body_bytes: int = MAX_ERROR_BODY_BYTES


@dataclass(frozen=True, slots=True)
class Response:
    """One HTTP response; ``headers`` has lower-case names."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class TransportError(Exception):
    """No HTTP answer arrived (refused, reset, DNS, TLS, a broken body)."""


class TransportTimeout(TransportError):
    """The attempt ran past its timeout."""


class TransportBodyTooLarge(Exception):
    """A ``200`` body is longer than ``max_body_bytes``; reading stopped there.

    Not a TransportError: an HTTP answer did arrive, and it is not retried.
    """

    def __init__(self, status_code: int, limit: int) -> None:
        super().__init__(f"the body of a {status_code} answer is longer than {limit} bytes")
        self.status_code = status_code
        self.limit = limit


def body_limit(request: Request, status_code: int) -> tuple[int | None, bool]:
    """How many body bytes to read for ``status_code``, and whether more is an error (vs a cut)."""
    if status_code == 200:
        return request.max_body_bytes, True
    return request.max_error_body_bytes, False


class AsyncTransport(Protocol):
    """Sends one request, returns one response; owns its connections."""

    async def handle_async_request(self, request: Request) -> Response:
        """Send ``request``; raises TransportError, TransportTimeout or CancelledError."""
        ...

    async def aclose(self) -> None:
        """Close connections; the transport is not used afterwards."""
        ...

"""The only code that does HTTP: one small interface, two implementations.

* ``httpx_.HttpxTransport``: one reused ``httpx.AsyncClient`` (CPython).
* ``fetch.FetchTransport``: the browser's ``fetch`` (Pyodide), aborted
  through an ``AbortController`` when the awaiting task is cancelled.

A transport sends one request and returns one response: no retries, no
status interpretation, no keys. It raises ``TransportError`` when no HTTP
answer arrived and ``TransportTimeout`` when the attempt -- connecting,
sending, and reading the whole body -- ran out of time;
``asyncio.CancelledError`` passes through after the request is aborted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

__all__ = [
    "AsyncTransport",
    "Request",
    "Response",
    "TransportError",
    "TransportTimeout",
]


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request. ``timeout`` is in seconds for the whole attempt (None: no limit)."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes | None = None
    timeout: float | None = None


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


class AsyncTransport(Protocol):
    """Sends one request, returns one response; owns its connections."""

    async def handle_async_request(self, request: Request) -> Response:
        """Send ``request``; raises TransportError, TransportTimeout or CancelledError."""
        ...

    async def aclose(self) -> None:
        """Close connections; the transport is not used afterwards."""
        ...

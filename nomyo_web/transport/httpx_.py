"""The transport over one reused ``httpx.AsyncClient`` (CPython).

Keep-alive connections are reused across calls; the official client opens a
new ``AsyncClient`` per request. TLS certificates are verified (httpx's
default); ``verify`` takes what httpx takes, for a private CA in tests.

httpx's own timeouts bound each step (connect, each read, each write), so a
server that drips its body a byte at a time would never trip them: one
deadline (``asyncio.timeout``) covers the whole attempt, body included. The
body is streamed and counted, so an answer past its limit is never read whole.

An ``httpx.AsyncClient`` belongs to the event loop its connections were made
in, so the client keeps one transport per loop (``per_loop``);
``httpx_transport_factory`` builds the TLS context once for all of them.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from typing import Any

import httpx

from ..errors import APIConnectionError
from . import (
    Request,
    Response,
    TransportBodyTooLarge,
    TransportError,
    TransportTimeout,
    body_limit,
)

__all__ = ["HttpxTransport", "httpx_transport_factory"]


def _tls_setup_failed(exc: BaseException) -> APIConnectionError:
    # An unreadable SSL_CERT_FILE, SSL_CERT_DIR or CA bundle fails here, before sending.
    return APIConnectionError(
        f"could not set up TLS certificate verification ({type(exc).__name__}); "
        "check SSL_CERT_FILE, SSL_CERT_DIR or the verify= argument"
    )


def httpx_transport_factory(
    verify: ssl.SSLContext | str | bool = True,
) -> Callable[[], HttpxTransport]:
    """A maker of ``HttpxTransport``s that share one TLS context, built now.

    Raises:
        APIConnectionError: the CA bundle (``SSL_CERT_FILE``, ``SSL_CERT_DIR``,
            ``verify``) cannot be read.
    """
    try:
        context = httpx.create_ssl_context(verify=verify, trust_env=True)
    except (ssl.SSLError, OSError) as exc:
        raise _tls_setup_failed(exc) from exc

    def make() -> HttpxTransport:
        return HttpxTransport(verify=context)

    return make


class HttpxTransport:
    """``AsyncTransport`` over httpx."""

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | str | bool = True,
        client: httpx.AsyncClient | None = None,
        **client_options: Any,
    ) -> None:
        self._owns_client = client is None
        try:
            self._client = client or httpx.AsyncClient(
                verify=verify,
                trust_env=True,
                follow_redirects=False,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
                **client_options,
            )
        except (ssl.SSLError, OSError) as exc:
            raise _tls_setup_failed(exc) from exc

    async def handle_async_request(self, request: Request) -> Response:
        try:
            async with asyncio.timeout(request.timeout):
                return await self._attempt(request)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise TransportTimeout(f"request timed out after {request.timeout} s") from exc
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise TransportError(f"{type(exc).__name__}: connection failed") from exc
        except (httpx.InvalidURL, UnicodeError) as exc:
            # The options refuse such URLs first; this net catches what httpx's IDNA adds.
            raise TransportError(f"{type(exc).__name__}: the URL was refused") from None

    async def _attempt(self, request: Request) -> Response:
        async with self._client.stream(
            request.method,
            request.url,
            headers=dict(request.headers),
            content=request.content,
            timeout=httpx.Timeout(request.timeout),
        ) as answer:
            body = await _read_body(answer, request)
            headers = {name.lower(): value for name, value in answer.headers.items()}
            return Response(answer.status_code, headers, body)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


async def _read_body(answer: httpx.Response, request: Request) -> bytes:
    """The body within its limit; leaving the stream unread closes the connection."""
    limit, strict = body_limit(request, answer.status_code)
    if limit is None:
        return await answer.aread()
    if strict and _declared_length(answer) > limit:
        raise TransportBodyTooLarge(answer.status_code, limit)
    body = bytearray()
    async for chunk in answer.aiter_bytes():
        if len(body) + len(chunk) > limit:
            if strict:
                raise TransportBodyTooLarge(answer.status_code, limit)
            body += chunk[: limit - len(body)]
            break
        body += chunk
    return bytes(body)


def _declared_length(answer: httpx.Response) -> int:
    """The Content-Length the server announced (0 when absent or unreadable)."""
    try:
        return int(answer.headers.get("content-length", "0"))
    except ValueError:
        return 0

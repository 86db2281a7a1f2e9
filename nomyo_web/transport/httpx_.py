"""The transport over one reused ``httpx.AsyncClient`` (CPython).

Keep-alive connections are reused across calls; the official client opens a
new ``AsyncClient`` per request. TLS certificates are verified (httpx's
default); ``verify`` takes what httpx takes, for a private CA in tests.

httpx's own timeouts bound each step (connect, each read, each write), so a
server that drips its body a byte at a time would never trip them: one
deadline (``asyncio.timeout``) covers the whole attempt, body included.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import httpx

from ..errors import APIConnectionError
from . import Request, Response, TransportError, TransportTimeout

__all__ = ["HttpxTransport"]


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
            # An unreadable SSL_CERT_FILE, SSL_CERT_DIR or CA bundle fails here, before sending.
            raise APIConnectionError(
                f"could not set up TLS certificate verification ({type(exc).__name__}); "
                "check SSL_CERT_FILE, SSL_CERT_DIR or the verify= argument"
            ) from exc

    async def handle_async_request(self, request: Request) -> Response:
        try:
            async with asyncio.timeout(request.timeout):
                return await self._attempt(request)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise TransportTimeout(f"request timed out after {request.timeout} s") from exc
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise TransportError(f"{type(exc).__name__}: connection failed") from exc

    async def _attempt(self, request: Request) -> Response:
        answer = await self._client.request(
            request.method,
            request.url,
            headers=dict(request.headers),
            content=request.content,
            timeout=httpx.Timeout(request.timeout),
        )
        headers = {name.lower(): value for name, value in answer.headers.items()}
        return Response(answer.status_code, headers, answer.content)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

"""The transport over one reused ``httpx.AsyncClient`` (CPython).

Keep-alive connections are reused across calls; the official client opens a
new ``AsyncClient`` per request. TLS certificates are verified (httpx's
default); ``verify`` takes what httpx takes, for a private CA in tests.

An ``httpx.AsyncClient`` belongs to the event loop its connections were made
in, so the client keeps one transport per loop (``per_loop``);
``httpx_transport_factory`` builds the TLS context once for all of them.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from typing import Any

import httpx

from ..errors import APIConnectionError
from . import Request, Response, TransportError, TransportTimeout

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
            answer = await self._client.request(
                request.method,
                request.url,
                headers=dict(request.headers),
                content=request.content,
                timeout=httpx.Timeout(request.timeout),
            )
        except httpx.TimeoutException as exc:
            raise TransportTimeout(f"request timed out after {request.timeout} s") from exc
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise TransportError(f"{type(exc).__name__}: connection failed") from exc
        headers = {name.lower(): value for name, value in answer.headers.items()}
        return Response(answer.status_code, headers, answer.content)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

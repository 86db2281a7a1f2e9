"""Candidate ``AsyncTransport``s for the transport seam, measured against httpx.

Each is an established client used as its documentation shows, behind the same
``Request``/``Response`` interface as ``nomyo_web.transport.httpx_``, with its
own keep-alive pool and TLS verification left at the library's default:

* ``AiohttpTransport``: one ``aiohttp.ClientSession``.
* ``HttpcoreTransport``: one ``httpcore.AsyncConnectionPool`` (httpx's own
  engine, without httpx's request/response models on top).
* ``Httpx2Transport``: one ``httpx2.AsyncClient`` (Pydantic's continuation of
  httpx, which ``openai`` 3.x stands on), used exactly as ``HttpxTransport`` uses
  httpx. It cannot be installed beside nomyo==0.2.9 (idna), so it is measured in
  the OpenAI-SDK environment (bench/openai_child.py) and skipped elsewhere.
"""

from __future__ import annotations

from typing import Any

from nomyo_web.transport import Request, Response, TransportError, TransportTimeout

__all__ = [
    "TRANSPORTS",
    "AiohttpTransport",
    "HttpcoreTransport",
    "Httpx2Transport",
    "make_transport",
]


class AiohttpTransport:
    """``AsyncTransport`` over one aiohttp ``ClientSession`` (created on first use)."""

    def __init__(self) -> None:
        import aiohttp

        self._aiohttp = aiohttp
        self._session: Any = None

    def _client(self) -> Any:
        if self._session is None:
            connector = self._aiohttp.TCPConnector(limit=100)
            self._session = self._aiohttp.ClientSession(
                connector=connector, auto_decompress=False, trust_env=True
            )
        return self._session

    async def handle_async_request(self, request: Request) -> Response:
        aiohttp = self._aiohttp
        timeout = aiohttp.ClientTimeout(total=request.timeout)
        try:
            async with self._client().request(
                request.method,
                request.url,
                headers=dict(request.headers),
                data=request.content,
                timeout=timeout,
                allow_redirects=False,
            ) as answer:
                content = await answer.read()
                headers = {name.lower(): value for name, value in answer.headers.items()}
                return Response(answer.status, headers, content)
        except TimeoutError as exc:
            raise TransportTimeout(f"request timed out after {request.timeout} s") from exc
        except aiohttp.ClientError as exc:
            raise TransportError(f"{type(exc).__name__}: connection failed") from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class HttpcoreTransport:
    """``AsyncTransport`` over one ``httpcore.AsyncConnectionPool``."""

    def __init__(self) -> None:
        import httpcore

        self._httpcore = httpcore
        self._pool = httpcore.AsyncConnectionPool(max_connections=100, max_keepalive_connections=20)

    async def handle_async_request(self, request: Request) -> Response:
        httpcore = self._httpcore
        seconds = request.timeout
        extensions = {
            "timeout": {"connect": seconds, "read": seconds, "write": seconds, "pool": seconds}
        }
        try:
            answer = await self._pool.request(
                request.method,
                request.url,
                headers=list(request.headers.items()),
                content=request.content,
                extensions=extensions,
            )
        except httpcore.TimeoutException as exc:
            raise TransportTimeout(f"request timed out after {request.timeout} s") from exc
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
            raise TransportError(f"{type(exc).__name__}: connection failed") from exc
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in answer.headers
        }
        return Response(answer.status, headers, answer.content)

    async def aclose(self) -> None:
        await self._pool.aclose()


class Httpx2Transport:
    """``AsyncTransport`` over one ``httpx2.AsyncClient``, as ``HttpxTransport`` over httpx."""

    def __init__(self) -> None:
        import httpx2

        self._httpx2 = httpx2
        self._client = httpx2.AsyncClient(
            follow_redirects=False,
            limits=httpx2.Limits(max_connections=100, max_keepalive_connections=20),
        )

    async def handle_async_request(self, request: Request) -> Response:
        httpx2 = self._httpx2
        try:
            answer = await self._client.request(
                request.method,
                request.url,
                headers=dict(request.headers),
                content=request.content,
                timeout=httpx2.Timeout(request.timeout),
            )
        except httpx2.TimeoutException as exc:
            raise TransportTimeout(f"request timed out after {request.timeout} s") from exc
        except (httpx2.TransportError, httpx2.StreamError) as exc:
            raise TransportError(f"{type(exc).__name__}: connection failed") from exc
        headers = {name.lower(): value for name, value in answer.headers.items()}
        return Response(answer.status_code, headers, answer.content)

    async def aclose(self) -> None:
        await self._client.aclose()


def _httpx() -> Any:
    from nomyo_web.transport.httpx_ import HttpxTransport

    return HttpxTransport()


TRANSPORTS = {
    "httpx": _httpx,
    "httpx2": Httpx2Transport,
    "aiohttp": AiohttpTransport,
    "httpcore": HttpcoreTransport,
}


def make_transport(name: str) -> Any:
    """A fresh transport by name; raises ImportError when its library is missing."""
    return TRANSPORTS[name]()

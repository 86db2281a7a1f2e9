"""CORS for the listed origins only (``--cors-origin``; none by default).

A listed origin gets ``Access-Control-Allow-Origin`` on every answer, errors
included, and can read ``Retry-After``; its preflights may send the five
protocol headers. An unlisted origin gets no CORS headers at all, and its
preflights are refused with 403.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ALLOWED_REQUEST_HEADERS", "CorsMiddleware"]

ALLOWED_REQUEST_HEADERS = "Authorization, Content-Type, X-Public-Key, X-Payload-ID, X-Security-Tier"
ALLOWED_METHODS = "GET, POST, OPTIONS"
PREFLIGHT_MAX_AGE = "600"


class CorsMiddleware:
    """Pure ASGI middleware, so it also decorates errors raised below it."""

    def __init__(self, app: ASGIApp, origins: Iterable[str]) -> None:
        self.app = app
        self.origins = frozenset(origin.rstrip("/") for origin in origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.origins:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        allowed = origin is not None and origin in self.origins
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(send, origin if allowed else None)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers.add_vary_header("Origin")
                if allowed and origin is not None:
                    response_headers["Access-Control-Allow-Origin"] = origin
                    response_headers["Access-Control-Expose-Headers"] = "Retry-After"
            await send(message)

        await self.app(scope, receive, send_with_cors)

    @staticmethod
    async def _preflight(send: Send, origin: str | None) -> None:
        headers: list[tuple[bytes, bytes]] = [(b"vary", b"Origin")]
        if origin is None:
            body = json.dumps({"detail": "Origin not allowed"}).encode()
            status = 403
            headers.append((b"content-type", b"application/json"))
        else:
            body = b""
            status = 204
            headers += [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
                (b"access-control-allow-headers", ALLOWED_REQUEST_HEADERS.encode()),
                (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
            ]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

"""The same transports for a legacy ``httpx`` client, which ``openai`` 3.x still accepts.

``openai.AsyncOpenAI(http_client=httpx.AsyncClient(transport=LegacyAsyncSecureTransport()))``
behaves as with httpx2: an httpx client needs httpx's own ``Response`` and
errors, so these classes answer in httpx's dialect and share everything else
with ``AsyncSecureTransport`` and ``SecureTransport``. httpx is installed
wherever ``cryptography`` is (it is the core's CPython HTTP client), never in Pyodide.
"""

from __future__ import annotations

from typing import Unpack

import httpx

from ._sealing import SealerOptions
from ._transports import AsyncSealing, BlockingSealing

__all__ = ["LegacyAsyncSecureTransport", "LegacySecureTransport"]


class LegacyAsyncSecureTransport(httpx.AsyncBaseTransport):
    """``AsyncSecureTransport`` for an ``httpx.AsyncClient``; the same options."""

    def __init__(self, **options: Unpack[SealerOptions]) -> None:
        self._sealing = AsyncSealing(options)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response: httpx.Response = await self._sealing.respond(httpx, request)
        return response

    async def aclose(self) -> None:
        """Drop every key and close the connections. Idempotent."""
        await self._sealing.aclose()


class LegacySecureTransport(httpx.BaseTransport):
    """``SecureTransport`` for an ``httpx.Client``; the same options."""

    def __init__(self, **options: Unpack[SealerOptions]) -> None:
        self._sealing = BlockingSealing(options)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response: httpx.Response = self._sealing.respond(httpx, request)
        return response

    def close(self) -> None:
        """Drop every key, close the connections, stop the event loop. Idempotent."""
        self._sealing.close()

"""The HTTP client the router uses toward an upstream (an engine API, or NOMYO for a relay).

One keep-alive pool, bounded time, no redirects followed, and nothing taken from
the environment (proxies, ``.netrc`` credentials): what is sent is exactly what
the code says. Answers are read up to a size limit.
"""

from __future__ import annotations

import httpx

__all__ = ["AnswerTooLargeError", "read_capped", "upstream_client"]


class AnswerTooLargeError(Exception):
    """The upstream's answer went past the size limit."""


def upstream_client(timeout: float) -> httpx.AsyncClient:
    """A pooled client; ``timeout`` bounds each answer (connecting: at most 10 s)."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        limits=httpx.Limits(max_keepalive_connections=32, keepalive_expiry=30.0),
        follow_redirects=False,
        trust_env=False,
    )


async def read_capped(answer: httpx.Response, limit: int) -> bytes:
    """The body of a streamed ``answer``; AnswerTooLargeError past ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in answer.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise AnswerTooLargeError()
        chunks.append(chunk)
    return b"".join(chunks)

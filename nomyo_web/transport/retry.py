"""When to retry and how long to wait: pure functions, easy to test.

Retried: 429, 500, 502, 503, 504 and network failures (never a timeout's
cousin the SecurityError). The wait honours ``retry-after-ms`` and
``Retry-After`` (seconds or an HTTP date) up to ``MAX_RETRY_AFTER``;
otherwise 0.5 s * 2**n capped at 8 s, with up to 25% jitter taken off, as
OpenAI's SDKs do.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from ..errors import (
    APIConnectionError,
    APITimeoutError,
    NomyoError,
    ResponseTooLargeError,
    error_from_status,
    is_retryable_status,
)
from ..protocol import MAX_RETRY_AFTER, parse_retry_after
from . import (
    AsyncTransport,
    Request,
    Response,
    TransportBodyTooLarge,
    TransportError,
    TransportTimeout,
)

__all__ = [
    "INITIAL_DELAY",
    "MAX_DELAY",
    "MAX_RETRY_AFTER",
    "backoff_delay",
    "parse_retry_after",
    "send_with_retries",
]

INITIAL_DELAY = 0.5
MAX_DELAY = 8.0


def backoff_delay(
    retries_done: int,
    retry_after: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """The wait before retry number ``retries_done + 1``."""
    if retry_after is not None:
        return retry_after
    delay = min(INITIAL_DELAY * (2.0**retries_done), MAX_DELAY)
    return delay * (1.0 - 0.25 * rand())


def _parse_error_body(content: bytes) -> Any:
    """The JSON of an error body as read (cut at its limit: no details when cut mid-JSON)."""
    if not content:
        return None
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return None


def _too_large(status_code: int, limit: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"the server's answer (HTTP {status_code}) is larger than the protocol allows "
        f"({limit} bytes); it was refused without being read whole",
        status_code=status_code,
    )


async def _attempt(transport: AsyncTransport, request: Request) -> Response:
    """One attempt; the body bounds hold even for a transport that does not enforce them."""
    try:
        response = await transport.handle_async_request(request)
    except TransportBodyTooLarge as exc:
        raise _too_large(exc.status_code, exc.limit) from None
    limit = request.max_body_bytes
    if response.status_code == 200 and limit is not None and len(response.content) > limit:
        raise _too_large(200, limit)
    if response.status_code != 200 and len(response.content) > request.max_error_body_bytes:
        cut = response.content[: request.max_error_body_bytes]
        response = Response(response.status_code, response.headers, cut)
    return response


def _typed_transport_error(exc: TransportError) -> APIConnectionError:
    if isinstance(exc, TransportTimeout):
        return APITimeoutError(f"Request timed out: {exc}")
    return APIConnectionError(f"Connection failed: {exc}")


async def send_with_retries(
    transport: AsyncTransport,
    request: Request,
    max_retries: int,
    logger: logging.Logger,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Response:
    """Send ``request`` (same bytes every attempt) until a 200 or a final typed error."""
    retries_done = 0
    while True:
        started = time.monotonic()
        retry_after: float | None = None
        try:
            response = await _attempt(transport, request)
        except TransportError as exc:
            error: NomyoError = _typed_transport_error(exc)
            logger.debug("%s %s failed: %s", request.method, _path(request.url), type(exc).__name__)
        else:
            elapsed_ms = (time.monotonic() - started) * 1000
            logger.debug(
                "%s %s -> %d in %.1f ms",
                request.method,
                _path(request.url),
                response.status_code,
                elapsed_ms,
            )
            if response.status_code == 200:
                return response
            status_error = error_from_status(
                response.status_code, _parse_error_body(response.content)
            )
            status_error.retry_after = response.header("retry-after")
            error = status_error
            if not is_retryable_status(response.status_code):
                raise error
            retry_after = parse_retry_after(
                response.header("retry-after"), response.header("retry-after-ms")
            )
        if retries_done >= max_retries:
            raise error
        delay = backoff_delay(retries_done, retry_after)
        retries_done += 1
        logger.debug("retry %d/%d in %.2f s", retries_done, max_retries, delay)
        await sleep(delay)


def _path(url: str) -> str:
    # Log the path only: never a query string or credentials.
    return urlsplit(url).path

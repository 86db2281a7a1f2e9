"""Reading a request body within a size limit and a time limit.

``Content-Length`` is checked before a byte is read; without one (chunked
uploads) the bytes are counted as they arrive. Either way the reader stops at
the limit and the router answers 413 at once, then keeps serving. A body that
does not finish arriving within ``timeout`` gets 408; one cut short gets 400.
"""

from __future__ import annotations

import asyncio

from starlette.requests import ClientDisconnect, Request

from .problem import HTTPProblem

__all__ = ["read_body"]

TOO_LARGE = "Request body too large"


def _declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    if value is None:
        return None
    if not value.isdigit():
        raise HTTPProblem(400, "Invalid Content-Length")
    return int(value)


async def _collect(request: Request, limit: int) -> bytes:
    """The body's chunks straight from the ASGI ``receive`` (``Request.stream`` adds an
    async generator a request); raises ClientDisconnect as that does."""
    receive = request.receive
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        if message["type"] != "http.request":
            continue
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise HTTPProblem(413, TOO_LARGE, headers={"Connection": "close"})
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The whole body; raises HTTPProblem 413 (over ``limit``), 408 (slow) or 400 (cut short)."""
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        raise HTTPProblem(413, TOO_LARGE, headers={"Connection": "close"})
    try:
        async with asyncio.timeout(timeout):
            body = await _collect(request, limit)
    except TimeoutError:
        raise HTTPProblem(
            408, "Request body not received in time", headers={"Connection": "close"}
        ) from None
    except ClientDisconnect:
        raise HTTPProblem(400, "Request body incomplete") from None
    if declared is not None and len(body) != declared:
        raise HTTPProblem(400, "Request body incomplete")
    return body

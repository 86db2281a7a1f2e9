"""The transport over the browser's ``fetch`` (Pyodide in a page, a worker or Node.js).

``js.fetch`` is called directly rather than through ``pyodide.http.pyfetch``:
measured equal within noise (tests/pyodide/bench_fetch.py; a GET on loopback,
median ms: Node.js 1.09 vs 1.04, Chromium 5.4-5.6 vs 5.6), and direct calls
give this module full control of the abort signal, the timeout and the
options, without a ``Request`` object and a second signal per call.

Each attempt gets its own ``AbortController``. The timeout is
``AbortSignal.timeout`` combined with it through ``AbortSignal.any``, so no
Python timer is left pending (a pending timer would keep Node.js alive) and
the body read is aborted too. Both signals are held until the attempt ends:
Node.js references them only weakly, and a collected timeout never fires.
Cancelling the awaiting task aborts the request.

The body is read from its stream reader with a running count: a ``200``
whose ``Content-Length`` or bytes pass ``max_body_bytes`` is cancelled and
aborted there (``TransportBodyTooLarge``); another status's body is cut at
``max_error_body_bytes``. The chunks stay in JavaScript and cross into Python
once, joined. Reads are asked for in pairs, and the first pair is started in
JavaScript the moment the answer's headers are in: the answer and a short
body cost one await together.

Only the request's own headers are sent, cookies are not (``credentials:
"omit"``), and a redirect is an error:
an envelope must never be re-sent somewhere else. It is refused here, from
``redirect: "manual"``, not by ``redirect: "error"``: under Node.js 20 a
request made with ``"error"`` loses its abort signal once the garbage
collector runs, so neither its timeout nor a cancellation could stop it.

The HTTP cache: a ``GET`` (the server key) is ``cache: "no-store"``, so it is
never answered from, nor written to, the cache. A ``POST`` (every sealed
request) keeps the ``"default"`` mode: no cache answers a ``POST`` (its
responses are not reused for a later ``POST``, and a replayed answer would
fail the ``payload_id`` binding and the ``response_mac`` anyway), and
Chromium bypasses its CORS preflight cache for ``"no-store"``, ``"no-cache"``
and ``"reload"`` alike: each sealed request then cost a second round trip,
an ``OPTIONS``, although the server allows caching the preflight.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, NamedTuple

from . import (
    Request,
    Response,
    TransportBodyTooLarge,
    TransportError,
    TransportTimeout,
    body_limit,
)

__all__ = ["FetchTransport"]


def _timeout_message(request: Request) -> str:
    return f"request timed out after {request.timeout} s"


class FetchTransport:
    """``AsyncTransport`` over ``fetch``."""

    def __init__(self, fetch: Any = None) -> None:
        from .._js import js

        self._fetch = fetch if fetch is not None else js.fetch

    def _init(self, request: Request, signal: Any) -> dict[str, Any]:
        """``fetch``'s options, as a dict the call converts (``_jspromise``): plain objects."""
        options: dict[str, Any] = {
            "method": request.method,
            "headers": dict(request.headers),
            "cache": _cache_mode(request.method),
            "credentials": "omit",
            "redirect": "manual",
            "signal": signal,
        }
        if request.content is not None:
            options["body"] = request.content  # a Uint8Array copy: the sealed envelope
        return options

    async def handle_async_request(self, request: Request) -> Response:
        from .._js import JsException, js_array
        from .._jspromise import later

        api = _api()
        controller = api.new_abort_controller()
        signal = controller.signal
        deadline = None
        if request.timeout is not None:
            timeout_ms = max(1, round(request.timeout * 1000))
            # Held (by this proxy) until the attempt ends: Node.js's timer keeps only a weak
            # reference to its signal, and AbortSignal.any another; a collected one never fires.
            deadline = api.timeout_signal(timeout_ms)
            signal = api.any_signal(js_array([signal, deadline]))
        try:
            init = self._init(request, signal)
            answer, reader, steps = await _fetch_and_read(
                later(self._fetch, None, request.url, init)
            )
            status = int(answer.status)
            if _is_redirect(answer, status):
                controller.abort()
                raise TransportError("redirect refused: an envelope is never sent elsewhere")
            headers = api.object_from_entries(answer.headers).to_py()
            headers = {str(k).lower(): str(v) for k, v in headers.items()}
            body = await _read_body(status, headers, request, reader, steps)
        except (asyncio.CancelledError, TransportBodyTooLarge):
            controller.abort()
            raise
        except JsException as exc:
            if getattr(exc, "name", "") == "TimeoutError":
                raise TransportTimeout(_timeout_message(request)) from None
            raise TransportError(f"{getattr(exc, 'name', 'Error')}: fetch failed") from None
        finally:
            del deadline, signal
        return Response(status, headers, body)

    async def aclose(self) -> None:
        """Nothing to close: the browser owns the connections."""


def _cache_mode(method: str) -> str:
    """``"no-store"`` for the cacheable methods, else the default (it keeps preflights cached)."""
    return "no-store" if method in ("GET", "HEAD") else "default"


def _is_redirect(answer: Any, status: int) -> bool:
    """A 3xx (Node.js) or the opaque redirect a browser hands back for ``redirect: "manual"``."""
    return 300 <= status < 400 or str(answer.type) == "opaqueredirect"


class _Api(NamedTuple):
    """The JavaScript functions every attempt calls, looked up once (each lookup is a crossing).

    ``body``, ``get_reader`` and ``read`` are ``r => r.body``, ``body =>
    body.getReader()`` and ``reader => reader.read()``: the built-in getter and
    methods, bound to ``Function.prototype.call``.
    """

    new_abort_controller: Any
    timeout_signal: Any
    any_signal: Any
    object_from_entries: Any
    new_uint8_array: Any
    body: Any
    get_reader: Any
    read: Any


@functools.cache
def _api() -> _Api:
    from .._js import js

    call = js.Function.prototype.call
    body = js.Reflect.getOwnPropertyDescriptor(js.Response.prototype, "body").get
    # The stream classes are read off an empty body's objects: they need not be globals.
    stream = js.Response.new(js.Uint8Array.new(0)).body
    get_reader = js.Object.getPrototypeOf(stream).getReader
    read = js.Object.getPrototypeOf(stream.getReader()).read
    return _Api(
        js.AbortController.new,
        js.AbortSignal.timeout.bind(js.AbortSignal),
        js.AbortSignal.any.bind(js.AbortSignal),
        js.Object.fromEntries,
        js.Uint8Array.new,
        call.bind(body),
        call.bind(get_reader),
        call.bind(read),
    )


async def _fetch_and_read(answer: Any) -> tuple[Any, Any, list[Any]]:
    """(the answer, its body's reader, the body's first two reads), awaited once.

    The reader and the reads are started in JavaScript as soon as ``answer`` (the
    promise ``fetch`` returned) resolves. A chunk is already in memory when a read
    returns it; ``_read_body`` checks every chunk against the limit before keeping it.
    The reader is None when the answer has no body (a browser's opaque redirect).
    """
    from .._js import JsException
    from .._jspromise import gather, then

    api = _api()
    reader = then(then(answer, api.body), api.get_reader)
    try:
        response, stream_reader, *steps = await gather(
            answer, reader, then(reader, api.read), then(reader, api.read)
        )
    except JsException:
        response = await answer  # the fetch's own failure is raised here
        if response.body is not None:
            raise  # the body failed to read
        return response, None, []
    return response, stream_reader, steps


async def _read_body(
    status: int, headers: dict[str, str], request: Request, reader: Any, steps: list[Any]
) -> bytes:
    """The body within its limit, read chunk by chunk; the reader is cancelled past it.

    ``steps`` are the reads already made (``_fetch_and_read``); more are asked
    for two at a time (one await, not two, for a body that comes in one chunk),
    and the count is checked on each chunk before it is kept.
    """
    from .._jspromise import gather, start

    limit, strict = body_limit(request, status)
    if strict and limit is not None and _declared_length(headers) > limit:
        raise TransportBodyTooLarge(status, limit)
    if reader is None:
        return b""
    chunks: list[Any] = []
    size = 0
    while True:
        for step in steps:
            if step.done:
                return _joined(chunks, size)
            chunk = step.value
            if limit is not None and size + int(chunk.length) > limit:
                await reader.cancel()
                if strict:
                    raise TransportBodyTooLarge(status, limit)
                chunks.append(chunk.subarray(0, limit - size))
                return _joined(chunks, limit)
            chunks.append(chunk)
            size += int(chunk.length)
        steps = await gather(start(reader.read, reader), start(reader.read, reader))


def _joined(chunks: list[Any], size: int) -> bytes:
    """One copy of the JavaScript chunks into one ``Uint8Array``, then one into Python."""
    from .._js import py_bytes

    if len(chunks) == 1:
        return py_bytes(chunks[0])
    whole = _api().new_uint8_array(size)
    offset = 0
    for chunk in chunks:
        whole.set(chunk, offset)
        offset += int(chunk.length)
    return py_bytes(whole)


def _declared_length(headers: dict[str, str]) -> int:
    """The Content-Length the server announced (0 when absent, unreadable or not exposed)."""
    try:
        return int(headers.get("content-length") or 0)
    except ValueError:
        return 0

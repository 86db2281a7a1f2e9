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

Only the request's own headers are sent, the cache and cookies are not used
(``cache: "no-store"``, ``credentials: "omit"``), and a redirect is an error:
an envelope must never be re-sent somewhere else. It is refused here, from
``redirect: "manual"``, not by ``redirect: "error"``: under Node.js 20 a
request made with ``"error"`` loses its abort signal once the garbage
collector runs, so neither its timeout nor a cancellation could stop it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from . import Request, Response, TransportError, TransportTimeout

__all__ = ["FetchTransport"]


def _timeout_message(request: Request) -> str:
    return f"request timed out after {request.timeout} s"


class FetchTransport:
    """``AsyncTransport`` over ``fetch``."""

    def __init__(self, fetch: Any = None) -> None:
        from .._js import js

        self._fetch = fetch if fetch is not None else js.fetch

    def _init(self, request: Request, signal: Any) -> Any:
        from .._js import js_bytes, js_object

        options: dict[str, Any] = {
            "method": request.method,
            "headers": js_object(request.headers),
            "cache": "no-store",
            "credentials": "omit",
            "redirect": "manual",
            "signal": signal,
        }
        if request.content is not None:
            options["body"] = js_bytes(request.content)
        return js_object(options)

    async def handle_async_request(self, request: Request) -> Response:
        from .._js import JsException, js, js_array, py_bytes

        controller = js.AbortController.new()
        signal = controller.signal
        deadline = None
        if request.timeout is not None:
            timeout_ms = max(1, round(request.timeout * 1000))
            # Held (by this proxy) until the attempt ends: Node.js's timer keeps only a weak
            # reference to its signal, and AbortSignal.any another; a collected one never fires.
            deadline = js.AbortSignal.timeout(timeout_ms)
            signal = js.AbortSignal.any(js_array([signal, deadline]))
        try:
            answer = await self._fetch(request.url, self._init(request, signal))
            if _is_redirect(answer):
                controller.abort()
                raise TransportError("redirect refused: an envelope is never sent elsewhere")
            body = py_bytes(await answer.arrayBuffer())
        except asyncio.CancelledError:
            controller.abort()
            raise
        except JsException as exc:
            if getattr(exc, "name", "") == "TimeoutError":
                raise TransportTimeout(_timeout_message(request)) from None
            raise TransportError(f"{getattr(exc, 'name', 'Error')}: fetch failed") from None
        finally:
            del deadline, signal
        headers = js.Object.fromEntries(answer.headers).to_py()
        return Response(
            int(answer.status), {str(k).lower(): str(v) for k, v in headers.items()}, body
        )

    async def aclose(self) -> None:
        """Nothing to close: the browser owns the connections."""


def _is_redirect(answer: Any) -> bool:
    """A 3xx (Node.js) or the opaque redirect a browser hands back for ``redirect: "manual"``."""
    return str(answer.type) == "opaqueredirect" or 300 <= int(answer.status) < 400

"""``AsyncSecureTransport`` and ``SecureTransport``: httpx2 transports that seal the OpenAI SDK.

Given to an ``httpx2.AsyncClient`` / ``httpx2.Client`` that is given to
``openai.AsyncOpenAI`` / ``openai.OpenAI`` (``http_client=...``), they send
nothing but sealed NOMYO requests and hand the SDK back a normal
``chat.completion`` (or, for ``stream=True``, an event stream replaying the
whole answer). The work is ``_sealing.Sealer``'s; ``AsyncSealing`` and
``BlockingSealing`` run it for an async or a blocking transport and answer in
the dialect of the HTTP library the request came from (httpx2 here, the
legacy httpx in ``_legacy``), so each transport class is only its interface.
"""

from __future__ import annotations

import weakref
from typing import Any, Unpack

from . import MISSING_EXTRA

try:
    import httpx2
except ImportError as missing:  # pragma: no cover - depends on the environment
    raise ImportError(MISSING_EXTRA) from missing

from .._blocking import Blocking, default_blocking
from ..errors import APIConnectionError, APITimeoutError
from ._answers import Answer
from ._sealing import Sealer, SealerOptions

__all__ = ["AsyncSealing", "AsyncSecureTransport", "BlockingSealing", "SecureTransport"]


def _to_response(http: Any, request: Any, answer: Answer) -> Any:
    """``answer`` as a response of the HTTP library ``http`` (httpx2 or httpx)."""
    return http.Response(
        answer.status_code, headers=answer.headers, content=answer.content, request=request
    )


def _transport_error(http: Any, request: Any, error: APIConnectionError) -> Exception:
    """No usable answer, as ``http``'s own error: the SDK retries it, then raises
    ``openai.APITimeoutError`` or ``openai.APIConnectionError``."""
    kind = http.ReadTimeout if isinstance(error, APITimeoutError) else http.ConnectError
    converted: Exception = kind(error.message, request=request)
    return converted


def _call_options(sealer: Sealer, request: Any) -> Any:
    return sealer.call_options(
        request.method, str(request.url), request.headers, request.extensions
    )


class AsyncSealing:
    """A ``Sealer`` run in the caller's event loop (for async transports)."""

    def __init__(self, options: SealerOptions) -> None:
        self.sealer = Sealer(**options)
        self.sealer.core.start()

    async def respond(self, http: Any, request: Any) -> Any:
        """One SDK request, answered in ``http``'s dialect."""
        call = _call_options(self.sealer, request)
        body = await request.aread()
        try:
            answer = await self.sealer.answer(call, body)
        except APIConnectionError as error:
            raise _transport_error(http, request, error) from error
        return _to_response(http, request, answer)

    async def aclose(self) -> None:
        await self.sealer.core.aclose()


class BlockingSealing:
    """A ``Sealer`` run by a ``Blocking`` (for blocking transports), as the sync client does."""

    def __init__(self, options: SealerOptions) -> None:
        self.sealer = Sealer(**options)
        core = self.sealer.core
        self._blocking: Blocking = default_blocking()
        self._finalizer = weakref.finalize(self, self._blocking.close, core.aclose, core.dispose)
        self._blocking.call_soon(core.start)

    def respond(self, http: Any, request: Any) -> Any:
        """One SDK request, answered in ``http``'s dialect; blocks until it is."""
        self._blocking.check()
        call = _call_options(self.sealer, request)
        body = request.read()
        try:
            answer = self._blocking.run(lambda: self.sealer.answer(call, body))
        except APIConnectionError as error:
            raise _transport_error(http, request, error) from error
        return _to_response(http, request, answer)

    def close(self) -> None:
        self._finalizer()


class AsyncSecureTransport(httpx2.AsyncBaseTransport):
    """An ``httpx2.AsyncBaseTransport`` that end-to-end encrypts the OpenAI SDK's chat calls.

    ::

        client = openai.AsyncOpenAI(
            base_url="https://api.nomyo.ai/v1",
            api_key=os.environ["NOMYO_API_KEY"],
            http_client=httpx2.AsyncClient(
                transport=nomyo_web.AsyncSecureTransport(security_tier="high")
            ),
        )

    Keyword options (``SealerOptions``): ``security_tier``, ``allow_http``,
    ``server_key_fingerprint``, ``response_auth``, ``key_rotation_interval``,
    ``transport``, ``crypto``, ``logger``. The API key is the SDK's; its timeout is the
    SDK's read timeout, per attempt; retries are the SDK's (``max_retries``).
    Only ``POST <base_url>/chat/completions`` is sent (``UnsupportedEndpointError``
    otherwise). The client key pair lives in memory until ``aclose()``, which the
    ``httpx2.AsyncClient`` calls when it closes.
    """

    def __init__(self, **options: Unpack[SealerOptions]) -> None:
        self._sealing = AsyncSealing(options)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response: httpx2.Response = await self._sealing.respond(httpx2, request)
        return response

    async def aclose(self) -> None:
        """Drop every key and close the connections. Idempotent."""
        await self._sealing.aclose()


class SecureTransport(httpx2.BaseTransport):
    """The blocking ``httpx2.BaseTransport``, for ``openai.OpenAI``; options as the async one's.

    ::

        client = openai.OpenAI(
            base_url="https://api.nomyo.ai/v1",
            api_key=os.environ["NOMYO_API_KEY"],
            http_client=httpx2.Client(transport=nomyo_web.SecureTransport()),
        )

    It blocks as ``SyncSecureChatCompletion`` does: on CPython the core runs in
    the transport's own event loop in a daemon thread (any calling thread,
    inside or outside a running loop); in Pyodide through JSPI where
    ``pyodide.ffi.can_run_sync()`` allows it (Chromium), else ``SyncUnsupportedError``.
    """

    def __init__(self, **options: Unpack[SealerOptions]) -> None:
        self._sealing = BlockingSealing(options)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response: httpx2.Response = self._sealing.respond(httpx2, request)
        return response

    def close(self) -> None:
        """Drop every key, close the connections, stop the event loop. Idempotent."""
        self._sealing.close()

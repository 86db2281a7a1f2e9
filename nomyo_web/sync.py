"""SyncSecureChatCompletion: the same client core, for code that does not ``await``.

Same constructor as ``SecureChatCompletion``; ``create()`` blocks and returns
the same dict. On CPython it works from any thread, inside or outside a
running event loop (plain scripts, WSGI apps such as Flask or Django, a
Jupyter cell): the core runs in the client's own event loop in a daemon
thread, and its connections are reused across calls. Inside Pyodide it works
where the runtime can block on a JavaScript promise (``pyodide.ffi.can_run_sync()``,
Chromium's JSPI) and raises ``SyncUnsupportedError`` elsewhere, never hangs.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from ._blocking import Blocking, default_blocking
from ._frontend import CREATE_DOC, ClientBase
from ._options import NOT_GIVEN, NotGiven
from .protocol import ResponseAuth, SecurityTier, wipe

__all__ = ["SyncSecureChatCompletion"]


class SyncSecureChatCompletion(ClientBase):
    __doc__ = (
        (ClientBase.__doc__ or "")
        + """
    Blocking: ``create()`` returns the completion dict. Close it with
    ``close()`` (or ``dispose()``), or use ``with SyncSecureChatCompletion(...) as client:``;
    a client that is garbage-collected or alive at exit is closed then.
    """
    )

    def _start(self) -> None:
        self._blocking: Blocking = default_blocking()
        self._finalizer = weakref.finalize(
            self, self._blocking.close, self._core.aclose, self._core.dispose
        )
        self._blocking.call_soon(self._core.start)

    def create(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        security_tier: SecurityTier | None = None,
        api_key: str | None = None,
        timeout: float | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        base_url: str | None = None,
        response_auth: ResponseAuth | NotGiven = NOT_GIVEN,
        extra_body: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        self._blocking.check()
        plaintext, call = self._prepare(
            model,
            messages,
            params,
            security_tier=security_tier,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            base_url=base_url,
            response_auth=response_auth,
            extra_body=extra_body,
        )
        try:
            return self._blocking.run(lambda: self._core.complete(plaintext, call))
        finally:
            wipe(plaintext)

    create.__doc__ = CREATE_DOC.format(
        how=", and wait for the answer",
        raises="\n    SyncUnsupportedError: in Pyodide without JSPI; use SecureChatCompletion.",
    )

    def close(self) -> None:
        """Drop every key, close the connections, stop the client's event loop. Idempotent."""
        self._finalizer()

    def dispose(self) -> None:
        """The same as ``close()`` (``nomyo_web``'s async client names it so)."""
        self.close()

    def __enter__(self) -> SyncSecureChatCompletion:
        self._core.check_open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

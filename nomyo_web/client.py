"""SecureChatCompletion: OpenAI-style chat completions, sealed end to end (async).

A thin front end: ``create()`` turns its arguments into a plaintext request and
``CallOptions`` (``_frontend``) and hands them to the client core (``_core``),
which does the protocol work. It never knows which runtime it is on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from ._frontend import CREATE_DOC, ClientBase
from ._options import NOT_GIVEN, NotGiven
from .protocol import ResponseAuth, SecurityTier, wipe

__all__ = ["SecureChatCompletion"]


class SecureChatCompletion(ClientBase):
    __doc__ = (
        (ClientBase.__doc__ or "")
        + """
    Use it from any event loop — ``asyncio.run()`` per call, a loop per thread,
    Jupyter's, Pyodide's. Call ``dispose()`` (or ``await aclose()``, or use
    ``async with``) when done.
    """
    )

    async def create(
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
            return await self._core.complete(plaintext, call)
        finally:
            wipe(plaintext)

    create.__doc__ = CREATE_DOC.format(how="", raises="")

    async def acreate(
        self, model: str, messages: Sequence[Mapping[str, Any]], **kwargs: Any
    ) -> dict[str, Any]:
        """Alias of ``create()``, for code that follows OpenAI's naming.

        Args:
            model: as for ``create()``.
            messages: as for ``create()``.
            **kwargs: as for ``create()``.

        Returns:
            What ``create()`` returns.

        Raises:
            What ``create()`` raises.
        """
        return await self.create(model, messages, **kwargs)

    def dispose(self) -> None:
        """Stop key rotation, drop every key, close the connections. Idempotent.

        In a running event loop, that loop's connections close in a task
        (``aclose()`` waits for it); those of other loops close in their loop.
        """
        self._core.dispose()

    async def aclose(self) -> None:
        """``dispose()``, then wait until this loop's connections are closed."""
        await self._core.aclose()

    async def __aenter__(self) -> SecureChatCompletion:
        self._core.check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

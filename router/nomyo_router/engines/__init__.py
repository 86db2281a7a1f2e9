"""Engines answer a decrypted OpenAI chat request with a ``chat.completion`` dict.

* ``upstream.UpstreamEngine``: any OpenAI-compatible API (``--upstream URL``).
* ``embedded.EmbeddedEngine``: SmolLM2-135M through llama-cpp-python (default).

An engine never sees keys or envelopes. It raises ``EngineError`` with the
HTTP status the router should answer (400, 429, 502, 503, 504) and a detail
that must not echo the request's content.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["Engine", "EngineError"]


class EngineError(Exception):
    """The engine could not answer; ``status`` is what the router replies."""

    def __init__(self, status: int, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.retry_after = retry_after


class Engine(Protocol):
    name: str

    @property
    def ready(self) -> bool:
        """False while a model is still loading (requests then get 503)."""
        ...

    async def start(self) -> None:
        """Begin loading; returns without waiting for a model to finish loading."""
        ...

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        """The OpenAI ``chat.completion`` for ``request`` (``stream`` already removed)."""
        ...

    async def aclose(self) -> None:
        """Stop; wait for a running generation to finish or be abandoned."""
        ...

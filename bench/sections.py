"""The run's shared state (stub upstream, the router, a client key) and the section table."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from nomyo_web.crypto.pyca import PycaBackend

from .servers import router, stub_upstream

__all__ = ["Session"]


class Session:
    """Starts the stub upstream and one router lazily; stops everything on exit."""

    def __init__(
        self, quick: bool, say: Callable[[str], None], router_before: Path | None = None
    ) -> None:
        self.quick = quick
        self.say = say
        self.router_before = router_before
        self._stack = contextlib.ExitStack()
        self._stub_url: str | None = None
        self._stub_pid = 0
        self._router: Any = None
        self._client_key: Any = None

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stack.close()

    @property
    def stub_url(self) -> str:
        if self._stub_url is None:
            self._stub_url, self._stub_pid = self._stack.enter_context(stub_upstream())
        return self._stub_url

    @property
    def stub_pid(self) -> int:
        assert self.stub_url
        return self._stub_pid

    @property
    def client_key(self) -> Any:
        if self._client_key is None:
            self._client_key = PycaBackend().generate_private_key_sync(4096)
        return self._client_key

    def stub_router(self) -> Any:
        """The shared router in front of the stub (one worker, defaults otherwise)."""
        if self._router is None:
            self._router = self._stack.enter_context(router("--upstream", self.stub_url))
        return self._router

    async def run(self, name: str, plan: dict[str, int]) -> dict[str, Any] | str:
        """A section's figures, or a string saying why it was skipped."""
        handler: Callable[[dict[str, int]], Any] = getattr(self, f"_section_{name}")
        result: dict[str, Any] | str = await handler(plan)
        return result

    async def _section_cpython(self, plan: dict[str, int]) -> dict[str, Any]:
        from .cpython import measure_cpython, server_context

        proc = self.stub_router()
        async with server_context(proc.url, proc.proc.pid, self.client_key) as target:
            return await measure_cpython(target, plan)

    async def _section_clients(self, plan: dict[str, int]) -> dict[str, Any]:
        from .clients import measure_clients

        proc = self.stub_router()
        return await measure_clients(proc.url, proc.proc.pid, plan)

    async def _section_transports(self, plan: dict[str, int]) -> dict[str, Any]:
        from .cpython import measure_transports, server_context

        proc = self.stub_router()
        async with server_context(proc.url, proc.proc.pid, self.client_key) as target:
            return await measure_transports(target, plan)

    async def _section_openai(self, plan: dict[str, int]) -> dict[str, Any]:
        from .openai_sdk import measure_openai

        proc = self.stub_router()
        return await measure_openai(proc.url, proc.proc.pid, self.stub_url, plan)

    async def _section_router(self, plan: dict[str, int]) -> dict[str, Any]:
        from .router_load import Stub, measure_router

        stub = Stub(self.stub_url, self.stub_pid)
        return await measure_router(stub, self.client_key, plan, self.router_before)

    async def _section_relay(self, plan: dict[str, int]) -> dict[str, Any]:
        from .relay_load import measure_relay

        proc = self.stub_router()
        return await measure_relay(proc.url, proc.proc.pid, self.client_key, plan)

    async def _section_payload(self, plan: dict[str, int]) -> dict[str, Any]:
        from .payload import linearity, measure_payload
        from .stats import rounded

        sizes = await measure_payload(PycaBackend(), self.client_key, plan["repeats"])
        table = {
            label: {name: rounded(value) for name, value in figures.items()}
            for label, figures in sizes.items()
        }
        checks = {name: rounded(value) for name, value in linearity(sizes).items()}
        return {"backend": "PycaBackend", "sizes": table, "linearity": checks}

    async def _section_memory(self, plan: dict[str, int]) -> dict[str, Any]:
        from .memory import measure_memory

        return await measure_memory(self.stub_router().url, plan)

    async def _section_engine(self, plan: dict[str, int]) -> dict[str, Any] | str:
        from .engine import measure_engine, missing

        reason = missing()
        return reason if reason else await measure_engine(plan)

    async def _section_browser(self, plan: dict[str, int]) -> dict[str, Any] | str:
        from .browser import measure_browser, missing

        reason = missing()
        return reason if reason else await measure_browser(self.stub_url, plan)

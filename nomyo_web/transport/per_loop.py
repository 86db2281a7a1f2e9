"""One transport per event loop, closed inside its own loop when that loop shuts down.

Connections belong to the event loop they were opened in: an
``httpx.AsyncClient`` used from a second loop fails ("Event loop is closed")
once the first loop is gone. So a client keeps one transport per loop, reused
by every call made in that loop, and never shares one between loops.

Closing: each transport is tied to its loop by a small async generator. A loop
that shuts down properly (``asyncio.run``, ``asyncio.Runner``, or
``loop.shutdown_asyncgens()``) finalises it, which closes the transport inside
that loop, before it closes, so no connection is left open (no
``ResourceWarning`` under ``python -X dev``). ``dispose()`` closes them all
sooner: in the running loop directly, in a loop running in another thread
through that loop.

A transport given by the caller is used on every loop and never closed here:
its owner closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import weakref
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field

from .._tasks import running_loop
from . import AsyncTransport

__all__ = ["PerLoopTransports"]


@dataclass(eq=False)
class _LoopEntry:
    transport: AsyncTransport
    closed: bool = False
    lifetime: AsyncGenerator[None, None] | None = field(default=None, repr=False)

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self.transport.aclose()


class PerLoopTransports:
    """The transport of the running loop: made on first use there, closed with the loop."""

    def __init__(
        self,
        make: Callable[[], AsyncTransport] | None = None,
        shared: AsyncTransport | None = None,
    ) -> None:
        if (make is None) == (shared is None):
            raise ValueError("give exactly one of make and shared")
        self._make = make
        self._shared = shared
        self._entries: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopEntry] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()
        self._closed = False
        self.a_loop_ended = False
        """True once a loop that held one of our transports has shut down (or was closed)."""

    @property
    def loops(self) -> int:
        """How many loops hold an open transport of ours now."""
        with self._lock:
            return sum(1 for entry in self._entries.values() if not entry.closed)

    def has_live(self, loop: asyncio.AbstractEventLoop) -> bool:
        """True when ``loop`` holds an open transport of ours."""
        with self._lock:
            entry = self._entries.get(loop)
        return entry is not None and not entry.closed

    async def get(self) -> AsyncTransport:
        """The running loop's transport (made now if this loop has none)."""
        if self._shared is not None:
            return self._shared
        loop = asyncio.get_running_loop()
        with self._lock:
            entry = self._entries.get(loop)
        if entry is not None and not entry.closed:
            return entry.transport
        return await self._open(loop)

    async def _open(self, loop: asyncio.AbstractEventLoop) -> AsyncTransport:
        assert self._make is not None
        if self._closed:
            raise RuntimeError("the transports were closed")
        entry = _LoopEntry(self._make())
        with self._lock:
            stale = self._take_closed_loops()
            self._entries[loop] = entry
        for old in stale:
            _finish_without_loop(old)
        entry.lifetime = self._lifetime(loop, entry)
        # The first step registers the generator with the loop's shutdown_asyncgens().
        await anext(entry.lifetime)
        return entry.transport

    async def _lifetime(
        self, loop: asyncio.AbstractEventLoop, entry: _LoopEntry
    ) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            with self._lock:
                if self._entries.get(loop) is entry:
                    del self._entries[loop]
                if not self._closed:
                    self.a_loop_ended = True
            if not loop.is_closed():
                await entry.close()

    def _take_closed_loops(self) -> list[_LoopEntry]:
        """Remove the entries of loops closed without shutting down their async generators."""
        closed = [loop for loop in self._entries if loop.is_closed()]
        return [self._entries.pop(loop) for loop in closed]

    def close_soon(
        self, leave: asyncio.AbstractEventLoop | None = None
    ) -> asyncio.Future[None] | None:
        """Close every transport of ours; what to await for the running loop's, if any.

        Transports of loops running in other threads are closed in those loops;
        those of idle loops (and of ``leave``) when the loop shuts down its async
        generators.
        """
        self._closed = True
        running = running_loop()
        with self._lock:
            entries = list(self._entries.items())
        here: asyncio.Future[None] | None = None
        for loop, entry in entries:
            lifetime = entry.lifetime
            if lifetime is None or entry.closed or loop is leave:
                continue
            if loop is running:
                here = loop.create_task(_finish(lifetime), name="nomyo_web-close-transport")
            elif loop.is_running():
                asyncio.run_coroutine_threadsafe(_finish(lifetime), loop)
            elif loop.is_closed():
                _finish_without_loop(entry)
            # else: an idle loop; its own shutdown_asyncgens() closes the transport.
        return here


async def _finish(lifetime: AsyncGenerator[None, None]) -> None:
    await lifetime.aclose()


def _finish_without_loop(entry: _LoopEntry) -> None:
    """End the generator of a closed loop by hand, so no finalizer runs for it later.

    Its loop is gone, so its connections cannot be closed any more; this only
    stops the garbage collector from asking a closed loop to finalise it.
    """
    if entry.lifetime is None:
        return
    step = entry.lifetime.aclose()
    with contextlib.suppress(StopIteration):
        step.send(None)

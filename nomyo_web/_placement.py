"""Where one call runs: in the caller's event loop, or in the client's own loop thread.

A call runs in the loop it was made in, with that loop's connections, while the
loops the client serves live on (one ``asyncio.run`` for a whole program, a
loop per thread, Jupyter's). Once one of them has ended — the sign of
``asyncio.run()`` per call, as scripts, Flask and Django views call async
code — a call from a loop that holds no connection of ours runs in the client's
own event loop on a daemon thread instead (CPython only), so its connections,
TLS sessions and key-rotation timer outlive the caller's loop and are reused by
the next call, whatever loop it comes from. The caller awaits the result;
cancelling it cancels the call there too.
"""

from __future__ import annotations

import asyncio
import threading

from ._blocking import LoopThread
from .transport.per_loop import PerLoopTransports

__all__ = ["Placement"]


async def _nothing() -> None:
    return None


class Placement:
    """Decides, per call, whether to run it here or in the client's own loop thread."""

    def __init__(self, transports: PerLoopTransports, threads: bool) -> None:
        self._transports = transports
        self._threads = threads
        self._thread: LoopThread | None = None
        self._lock = threading.Lock()
        self._closed = False

    @property
    def own_loop(self) -> asyncio.AbstractEventLoop | None:
        """The client's own loop, once started."""
        return self._thread.loop if self._thread is not None else None

    def away_from_here(self) -> LoopThread | None:
        """The loop thread to run this call in, or None to run it in the running loop."""
        if not self._threads or not self._transports.a_loop_ended:
            return None
        loop = asyncio.get_running_loop()
        thread = self._thread
        if thread is not None and thread.loop is loop:
            return None  # already in the client's own loop
        if self._transports.has_live(loop):
            return None
        return thread if thread is not None else self._start()

    def _start(self) -> LoopThread | None:
        with self._lock:
            if self._closed:
                return None
            if self._thread is None:
                self._thread = LoopThread("nomyo_web-client")
            return self._thread

    def close(self, wait: bool) -> None:
        """Stop the loop thread: its connections close inside it first."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            thread.close(_nothing, lambda: None, wait=wait)

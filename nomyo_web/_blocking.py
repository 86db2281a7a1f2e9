"""Running the core's coroutines to completion from blocking code.

* CPython: ``LoopThread``, one private event loop in a daemon thread per sync
  client. Any thread may call in, inside or outside a running event loop of its
  own (a script, a WSGI worker, a Jupyter cell); calls from several threads run
  concurrently in that loop and share its connections.
* Pyodide: ``PyodideBlocking`` uses ``pyodide.ffi.run_sync``, which blocks on a
  JavaScript promise through JavaScript Promise Integration (JSPI, Chromium).
  Where ``can_run_sync()`` says it cannot (Node.js 20, other browsers, a call
  path not entered through an async call) it raises ``SyncUnsupportedError``
  before anything is sent, rather than hang.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol, TypeVar

from ._tasks import running_loop
from .errors import ClientDisposedError, SyncUnsupportedError

__all__ = ["Blocking", "LoopThread", "PyodideBlocking", "default_blocking"]

T = TypeVar("T")

SHUTDOWN_SECONDS = 30.0
NO_JSPI = (
    "SyncSecureChatCompletion cannot block here: this Pyodide runtime cannot wait on a "
    "JavaScript promise from synchronous code (pyodide.ffi.can_run_sync() is False; "
    "JavaScript Promise Integration is in Chromium-based browsers, and only on a call "
    "path entered through an async call). Use SecureChatCompletion and await create()."
)


class Blocking(Protocol):
    """Runs coroutines to completion for blocking callers."""

    def check(self) -> None:
        """Raise SyncUnsupportedError now if ``run`` cannot block here."""
        ...

    def call_soon(self, start: Callable[[], None]) -> None:
        """Call ``start`` soon where the coroutines run (it may start tasks)."""
        ...

    def run(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run ``make()`` to completion and return its result (or raise its error)."""
        ...

    def close(self, final: Callable[[], Awaitable[None]], dispose: Callable[[], None]) -> None:
        """Finish with ``final()`` where the coroutines run (or, where nothing can be
        awaited, ``dispose()``) and stop; later ``run`` calls raise ClientDisposedError."""
        ...


class LoopThread:
    """A private event loop in a daemon thread (CPython).

    The sync client runs every call in one; the async client moves its calls into
    one when it is used from short-lived loops (``_placement``).
    """

    def __init__(self, name: str = "nomyo_web-sync") -> None:
        self._loop = asyncio.new_event_loop()
        self._closed = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    @property
    def closed(self) -> bool:
        return self._closed

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    def check(self) -> None:
        if threading.current_thread() is self._thread:
            raise SyncUnsupportedError(
                "SyncSecureChatCompletion was called from inside its own event loop "
                "(from a transport, a logger or a callback); that would wait forever"
            )

    def call_soon(self, start: Callable[[], None]) -> None:
        with self._lock:
            if not self._closed:
                self._loop.call_soon_threadsafe(start)

    def start(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run ``coroutine`` in this thread's loop; its result, as a thread-safe future."""
        with self._lock:
            if self._closed:
                coroutine.close()
                raise ClientDisposedError("the client was closed")
            return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def run(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        self.check()
        future = self.start(make())
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            if self._closed:
                raise ClientDisposedError("the client was closed during the call") from None
            raise
        except BaseException:
            # KeyboardInterrupt in the waiting thread: stop the call in the loop too.
            future.cancel()
            raise

    def close(
        self,
        final: Callable[[], Awaitable[None]],
        dispose: Callable[[], None],
        wait: bool = True,
    ) -> None:
        """Finish with ``final()`` in the loop, close what it holds, stop; ``wait``: join it."""
        mine = threading.current_thread() is self._thread
        with self._lock:
            already, self._closed = self._closed, True
        if already:
            if wait and not mine:
                self._thread.join(SHUTDOWN_SECONDS)
            return
        if not wait or threading.current_thread() is self._thread:
            # From inside its own loop (a callback) it cannot wait on itself.
            if threading.current_thread() is self._thread:
                dispose()
            self._loop.call_soon_threadsafe(self._end_soon, final)
            return
        done = asyncio.run_coroutine_threadsafe(self._shutdown(final), self._loop)
        with contextlib.suppress(Exception):
            done.result(SHUTDOWN_SECONDS)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(SHUTDOWN_SECONDS)

    def _end_soon(self, final: Callable[[], Awaitable[None]]) -> None:
        ending = self._loop.create_task(self._shutdown(final))
        ending.add_done_callback(lambda _: self._loop.stop())

    async def _shutdown(self, final: Callable[[], Awaitable[None]]) -> None:
        """As ``asyncio.run`` ends: finish, cancel what is left, close generators and executor."""
        me = asyncio.current_task()
        with contextlib.suppress(Exception):
            await final()
        others = [task for task in asyncio.all_tasks() if task is not me]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        await self._loop.shutdown_asyncgens()
        await self._loop.shutdown_default_executor()


class PyodideBlocking:
    """Blocks through JSPI (``pyodide.ffi.run_sync``) where the runtime allows it."""

    def __init__(self) -> None:
        self._closed = False

    def check(self) -> None:
        from pyodide.ffi import can_run_sync

        if not can_run_sync():
            raise SyncUnsupportedError(NO_JSPI)

    def call_soon(self, start: Callable[[], None]) -> None:
        if running_loop() is not None:
            start()

    def run(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        if self._closed:
            raise ClientDisposedError("this SyncSecureChatCompletion was closed")
        self.check()
        from pyodide.ffi import run_sync

        result: T = run_sync(make())
        return result

    def close(self, final: Callable[[], Awaitable[None]], dispose: Callable[[], None]) -> None:
        # Nothing to wait for in the browser: fetch owns no connections. Drop the keys now.
        self._closed = True
        dispose()


def default_blocking() -> Blocking:
    """``PyodideBlocking`` under Pyodide, a ``LoopThread`` elsewhere."""
    from ._runtime import IS_PYODIDE

    return PyodideBlocking() if IS_PYODIDE else LoopThread()

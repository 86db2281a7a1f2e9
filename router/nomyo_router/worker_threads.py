"""Worker threads for the router's blocking work: RSA decrypts, state-store transactions.

Every request hops to them (once to open it; twice more with a SQLite store), so
what a hop costs counts. ``asyncio.to_thread`` and ``run_in_executor`` go through
a ``ThreadPoolExecutor``: a ``concurrent.futures.Future`` with its lock and
callbacks, chained to a second future on the loop. Here a job is one tuple on a
``SimpleQueue``, and the thread hands its outcome straight to the loop's own
future with ``call_soon_threadsafe``.

A result no one waits for any more (its request was cancelled) goes to the job's
``discard`` callback on the loop, so secrets in it are wiped rather than left
for the garbage collector. The threads start with the first job and stop at
``close``.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["WorkerThreads"]

_T = TypeVar("_T")
_Job = tuple[
    asyncio.AbstractEventLoop,
    "asyncio.Future[Any]",
    Callable[..., Any],
    tuple[Any, ...],
    Callable[[Any], None] | None,
]


def _settle(
    future: asyncio.Future[Any],
    value: Any,
    error: BaseException | None,
    discard: Callable[[Any], None] | None,
) -> None:
    """On the loop: the job's outcome into ``future``, or to ``discard`` if it was cancelled."""
    if future.cancelled():
        if error is None and discard is not None:
            discard(value)
    elif error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)


def usable_cores() -> int:
    """The cores this process may run on (its affinity), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


class WorkerThreads:
    """``count`` threads that run blocking calls for the loop.

    By default as many as ``ThreadPoolExecutor`` would start (the usable cores + 4,
    at most 32): with only one a core, the loop spent more CPU a request at 32 in
    flight. With ``count=1`` the calls run one at a time, in order, always on the
    same thread.
    """

    def __init__(self, count: int | None = None, name: str = "nomyo-worker") -> None:
        self.count = count or min(32, usable_cores() + 4)
        self.name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    async def run(
        self,
        function: Callable[..., _T],
        *args: Any,
        discard: Callable[[_T], None] | None = None,
    ) -> _T:
        """``function(*args)`` on a worker thread; raises what it raises."""
        self._start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_T] = loop.create_future()
        self._jobs.put((loop, future, function, args, discard))
        return await future

    def close(self) -> None:
        """Let the running jobs finish, then stop every thread."""
        with self._lock:
            threads, self._threads = self._threads, []
        for _ in threads:
            self._jobs.put(None)
        for thread in threads:
            thread.join()

    def _start(self) -> None:
        if self._threads:
            return
        with self._lock:
            while len(self._threads) < self.count:
                thread = threading.Thread(
                    target=self._work, name=f"{self.name}-{len(self._threads)}", daemon=True
                )
                thread.start()
                self._threads.append(thread)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            loop, future, function, args, discard = job
            value: Any = None
            error: BaseException | None = None
            try:
                value = function(*args)
            except BaseException as caught:  # handed to the awaiting request, never lost
                error = caught
            try:
                loop.call_soon_threadsafe(_settle, future, value, error, discard)
            except RuntimeError:  # the loop is closed: nobody is waiting
                if error is None and discard is not None:
                    discard(value)
            del job, loop, future, value, error

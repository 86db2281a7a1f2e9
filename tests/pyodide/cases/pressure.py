"""Garbage-collector pressure in the runtime, for tests of what must survive a collection.

Inside Pyodide a background task makes JavaScript garbage every 50 ms, so
V8 collects often while a request is in flight (objects that only weak
references keep, such as an abort signal Node.js holds weakly, go); on
CPython it runs ``gc.collect()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys

_TASKS: list[asyncio.Task[None]] = []
_GARBAGE = (
    "(() => { const a = []; for (let i = 0; i < 200; i++) a.push(new Array(50000).fill(i));"
    " return a.length; })()"
)


async def _pressure() -> None:
    while True:
        if sys.platform == "emscripten":
            import js

            js.eval(_GARBAGE)
        else:
            gc.collect()
        await asyncio.sleep(0.05)


def start() -> bool:
    """Start collecting often until ``stop``."""
    _TASKS.append(asyncio.ensure_future(_pressure()))
    return True


async def stop() -> int:
    """Stop the pressure; how many tasks were stopped."""
    stopped = len(_TASKS)
    while _TASKS:
        task = _TASKS.pop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return stopped

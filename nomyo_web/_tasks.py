"""Small helpers for tasks that may belong to another thread's event loop."""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["cancel_from_any_thread", "running_loop"]


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running in this thread, or None."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def cancel_from_any_thread(task: asyncio.Future[Any] | None) -> None:
    """Cancel ``task`` in its own loop: directly from that loop, else through it."""
    if task is None or task.done():
        return
    loop = task.get_loop()
    if loop.is_closed():
        return
    if running_loop() is loop:
        task.cancel()
    else:
        loop.call_soon_threadsafe(task.cancel)

"""The router's worker threads: results and errors come back, abandoned secrets are wiped."""

from __future__ import annotations

import asyncio
import threading

import pytest

from nomyo_router.worker_threads import WorkerThreads


def test_results_and_errors_come_back_from_another_thread() -> None:
    threads = WorkerThreads(2)

    def where(value: int) -> tuple[int, bool]:
        return value, threading.current_thread() is threading.main_thread()

    def fails() -> None:
        raise ValueError("no")

    async def main() -> list[tuple[int, bool]]:
        with pytest.raises(ValueError, match="no"):
            await threads.run(fails)
        return list(await asyncio.gather(*(threads.run(where, n) for n in range(20))))

    try:
        assert asyncio.run(main()) == [(n, False) for n in range(20)]
    finally:
        threads.close()


def test_a_result_nobody_waits_for_is_discarded() -> None:
    threads = WorkerThreads(1)
    started, release = threading.Event(), threading.Event()
    secret = bytearray(b"key material")
    discarded: list[bytearray] = []

    def slow() -> bytearray:
        started.set()
        release.wait(10)
        return secret

    def wipe(value: bytearray) -> None:
        value[:] = bytes(len(value))
        discarded.append(value)

    async def main() -> None:
        job = asyncio.ensure_future(threads.run(slow, discard=wipe))
        await asyncio.to_thread(started.wait, 10)
        job.cancel()
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await job
        while not discarded:
            await asyncio.sleep(0.01)

    try:
        asyncio.run(asyncio.wait_for(main(), 20))
    finally:
        threads.close()
    assert discarded == [bytearray(len(b"key material"))]


def test_close_stops_every_thread() -> None:
    threads = WorkerThreads(3, name="test-close")

    async def main() -> int:
        return await threads.run(lambda: 7)

    assert asyncio.run(main()) == 7
    names = {t.name for t in threading.enumerate() if t.name.startswith("test-close-")}
    assert len(names) == 3
    threads.close()
    assert not [t for t in threading.enumerate() if t.name in names and t.is_alive()]


def test_one_thread_runs_every_call_in_order_on_the_same_thread() -> None:
    """What the SQLite store relies on: one connection, used from one thread only."""
    threads = WorkerThreads(1)
    seen: list[tuple[int, int]] = []

    def note(n: int) -> None:
        seen.append((n, threading.get_ident()))

    async def main() -> None:
        await asyncio.gather(*(threads.run(note, n) for n in range(50)))

    try:
        asyncio.run(main())
    finally:
        threads.close()
    assert [n for n, _ in seen] == list(range(50))
    assert len({ident for _, ident in seen}) == 1

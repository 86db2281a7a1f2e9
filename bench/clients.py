"""The client core's doors, per call: the async client on one loop, the sync client, and one
async client used through a new event loop per call (``asyncio.run()`` per call).

All three talk to the same router (instant stub upstream), warmed up, in alternating
blocks. The bench's own loop cannot host ``asyncio.run()``, so that contender runs
each call on one worker thread; that hop (a few tens of microseconds) is counted
against it. The sync client's hop to its own loop thread is its real cost and is
counted too. Per-call cost is a block's wall time over its calls; each ratio is
taken within a round, and the median of the rounds is reported.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import warnings
from typing import Any

from nomyo_web import SecureChatCompletion, SyncSecureChatCompletion

from .blocks import Block, Contender, alternate, summarise
from .sealed import MESSAGES, MODEL
from .stats import median, rounded

__all__ = ["measure_clients"]


def _check(answer: dict[str, Any]) -> None:
    if answer["choices"][0]["message"]["content"] != MESSAGES[0]["content"]:
        raise RuntimeError("unexpected answer")


def _quiet(kind: type[Any], url: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return kind(base_url=url, allow_http=True)


def _per_call_ms(block: Block) -> float:
    return block.wall_s * 1000 / len(block.latencies_ms)


def _ratios(blocks: dict[str, list[Block]], name: str) -> dict[str, Any]:
    pairs = [
        _per_call_ms(mine) / _per_call_ms(base)
        for mine, base in zip(blocks[name], blocks["async_one_loop"], strict=True)
    ]
    return {"median": rounded(median(pairs)), "rounds": [rounded(p) for p in pairs]}


async def measure_clients(url: str, router_pid: int, plan: dict[str, int]) -> dict[str, Any]:
    """Per-call cost of the sync client and of one-client-many-loops, over the async client's."""
    on_one_loop = _quiet(SecureChatCompletion, url)
    across_loops = _quiet(SecureChatCompletion, url)
    blocking = _quiet(SyncSecureChatCompletion, url)
    worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="bench-loops")
    loop = asyncio.get_running_loop()

    async def async_call() -> None:
        _check(await on_one_loop.create(model=MODEL, messages=MESSAGES))

    async def sync_call() -> None:
        _check(blocking.create(model=MODEL, messages=MESSAGES))

    def one_loop_per_call() -> None:
        _check(asyncio.run(across_loops.create(model=MODEL, messages=MESSAGES)))

    async def many_loops_call() -> None:
        await loop.run_in_executor(worker, one_loop_per_call)

    try:
        for call in (async_call, sync_call, many_loops_call):
            for _ in range(plan["warm"]):
                await call()
        contenders = [
            Contender("async_one_loop", async_call, plan["calls"]),
            Contender("sync", sync_call, plan["calls"]),
            Contender("many_loops", many_loops_call, plan["calls"]),
        ]
        blocks = await alternate(contenders, plan["rounds"], router_pid)
    finally:
        await on_one_loop.aclose()
        across_loops.dispose()
        blocking.close()
        worker.shutdown()
    result: dict[str, Any] = {
        name: {**summarise(runs), "per_call_ms": rounded(median([_per_call_ms(b) for b in runs]))}
        for name, runs in blocks.items()
    }
    result["sync_over_async"] = _ratios(blocks, "sync")
    result["many_loops_over_async"] = _ratios(blocks, "many_loops")
    return result

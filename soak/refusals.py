"""Refused requests leave the router's memory where it was.

One router process gets ``count`` refusals of each kind of
``tests.support.refusals`` (a bad ``X-Public-Key``, bad base64 in the
envelope, an envelope that does not decrypt, a body past the size limit), one
after another over real HTTP, at a realistic mix of sizes: every 20th near the
13 MiB envelope limit, every 5th 1 MiB, the others 2 KiB. After a warm-up of
``WARMUP`` of each kind its RSS may move at most ``RSS_GROWTH_LIMIT_MIB`` over
each kind and over all of them; every refusal must get its status, none may
reach the upstream, and the router (at ``--log-level warning``) must log
nothing: no warning, no error, no traceback.
"""

from __future__ import annotations

import asyncio
import collections
import time
from pathlib import Path
from typing import Any

from tests.support.refusals import (
    EXPECTED_STATUS,
    KINDS,
    LARGE,
    RSS_GROWTH_LIMIT_MIB,
    WARMUP,
    RefusalSender,
    plaintext_size,
)

from .processes import StubProcess, free_port, rss_mib, start_router_on

__all__ = ["run_refusals"]

ABORT_FACTOR = 4
"""Stop a kind once RSS grew this many times the limit: the leak is shown, the machine shared."""
_FLAGGED = ("Traceback", "WARNING", "ERROR", "CRITICAL")


def _refuse(sender: RefusalSender, kind: str, numbers: range, pid: int) -> dict[str, Any]:
    """Refusals ``numbers`` of ``kind``, one after another; their figures."""
    statuses: collections.Counter[int] = collections.Counter()
    before = peak = rss_mib(pid)
    sent = large = 0
    started = time.perf_counter()
    for number in numbers:
        statuses[sender.send(kind, number)] += 1
        sent += 1
        large += int(plaintext_size(number) == LARGE)  # oversize: the ones sent chunked
        peak = max(peak, rss_mib(pid))
        if peak - before > ABORT_FACTOR * RSS_GROWTH_LIMIT_MIB:
            break
    seconds = time.perf_counter() - started
    after = rss_mib(pid)
    growth = round(after - before, 1)
    return {
        "requests": sent,
        "near_limit": large,
        "statuses": {str(status): count for status, count in statuses.items()},
        "seconds": round(seconds, 1),
        "requests_per_second": round(sent / seconds, 1),
        "rss_before_mib": before,
        "rss_peak_mib": peak,
        "rss_after_mib": after,
        "rss_growth_mib": growth,
        "passed": (
            sent == len(numbers)
            and statuses == {EXPECTED_STATUS[kind]: sent}
            and growth <= RSS_GROWTH_LIMIT_MIB
        ),
    }


def _run(stub: StubProcess, key_file: Path, count: int) -> dict[str, Any]:
    stub.reset()
    quiet = ("--log-level", "warning")
    with start_router_on(free_port(), key_file, stub.url, *quiet) as router:
        pid = router.proc.pid
        with RefusalSender(router.url) as sender:
            cold = rss_mib(pid)
            for kind in KINDS:
                _refuse(sender, kind, range(WARMUP), pid)
            warm = rss_mib(pid)
            measured = range(WARMUP, WARMUP + count)
            kinds = {kind: _refuse(sender, kind, measured, pid) for kind in KINDS}
            end = rss_mib(pid)
        flagged = [line for line in router.logs().splitlines() if any(w in line for w in _FLAGGED)]
    growth = round(end - warm, 1)
    upstream_calls = stub.stats("")["calls"]
    return {
        "per_kind": count,
        "warmup_per_kind": WARMUP,
        "rss_growth_limit_mib": RSS_GROWTH_LIMIT_MIB,
        "abort_mib": ABORT_FACTOR * RSS_GROWTH_LIMIT_MIB,
        "rss_cold_mib": cold,
        "rss_after_warmup_mib": warm,
        "rss_end_mib": end,
        "rss_growth_mib": growth,
        "upstream_calls": upstream_calls,
        "log_lines_flagged": flagged[:20],
        "kinds": kinds,
        "passed": (
            all(part["passed"] for part in kinds.values())
            and growth <= RSS_GROWTH_LIMIT_MIB
            and upstream_calls == 0
            and not flagged
        ),
    }


async def run_refusals(stub: StubProcess, key_file: Path, count: int) -> dict[str, Any]:
    """``count`` refusals of each kind after the warm-up, and the router's memory over them."""
    started = time.perf_counter()
    result = await asyncio.to_thread(_run, stub, key_file, count)
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result

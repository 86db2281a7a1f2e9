"""Client memory across many calls: RSS and tracemalloc at checkpoints (should stay flat)."""

from __future__ import annotations

import gc
import tracemalloc
import warnings
from typing import Any

import psutil

from nomyo_web import SecureChatCompletion

from .sealed import MESSAGES, MODEL
from .stats import rounded

__all__ = ["measure_memory"]

WARM_UP = 50
"""Calls before the first sample (the checkpoints count them too)."""


def _sample(done: int) -> dict[str, float]:
    gc.collect()
    current, _peak = tracemalloc.get_traced_memory()
    return {
        "calls": done,
        "rss_mib": psutil.Process().memory_info().rss / 2**20,
        "traced_kib": current / 1024,
    }


async def measure_memory(url: str, plan: dict[str, int]) -> dict[str, Any]:
    """``plan['calls']`` sequential calls on one client; RSS and tracemalloc at checkpoints."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = SecureChatCompletion(base_url=url, allow_http=True)
    calls, step = plan["calls"], max(1, plan["calls"] // plan["checkpoints"])
    tracemalloc.start()
    try:
        for _ in range(WARM_UP):  # traced too: what a warm client keeps is in the baseline
            await client.create(model=MODEL, messages=MESSAGES)
        samples = [_sample(WARM_UP)]
        for done in range(1, calls + 1):
            await client.create(model=MODEL, messages=MESSAGES)
            if done % step == 0 or done == calls:
                samples.append(_sample(WARM_UP + done))
    finally:
        tracemalloc.stop()
        await client.aclose()
    first, last = samples[0], samples[-1]
    middle = samples[len(samples) // 2]
    return {
        "calls": calls,
        "rss_start_mib": rounded(first["rss_mib"]),
        "rss_end_mib": rounded(last["rss_mib"]),
        "rss_end_over_start": rounded(last["rss_mib"] / first["rss_mib"]),
        "traced_start_kib": rounded(first["traced_kib"]),
        "traced_middle_kib": rounded(middle["traced_kib"]),
        "traced_end_kib": rounded(last["traced_kib"]),
        "traced_end_over_middle": rounded(last["traced_kib"] / middle["traced_kib"]),
        "checkpoints": [
            {k: rounded(v) if isinstance(v, float) else v for k, v in s.items()} for s in samples
        ],
    }

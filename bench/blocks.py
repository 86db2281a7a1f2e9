"""Alternating blocks: contenders take turns within one run, so drift hits all alike.

Round r runs the contenders in an order rotated by r (A B C, B C A, C A B, ...).
Each block records every call's latency, the block's wall time, this process's
CPU time (all threads) and, when given, another process tree's CPU time.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .machine import tree_cpu_seconds
from .stats import median, percentile, rounded, spread

__all__ = ["Block", "Contender", "alternate", "summarise"]


@dataclass
class Contender:
    name: str
    call: Callable[[], Awaitable[Any]]
    per_block: int


@dataclass
class Block:
    latencies_ms: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    cpu_s: float = 0.0
    other_cpu_s: float = 0.0

    @property
    def calls_per_s(self) -> float:
        return len(self.latencies_ms) / self.wall_s


async def run_block(contender: Contender, other_pid: int | None) -> Block:
    block = Block()
    other = tree_cpu_seconds(other_pid) if other_pid else 0.0
    cpu = time.process_time()
    began = time.perf_counter()
    for _ in range(contender.per_block):
        start = time.perf_counter()
        await contender.call()
        block.latencies_ms.append((time.perf_counter() - start) * 1000)
    block.wall_s = time.perf_counter() - began
    block.cpu_s = time.process_time() - cpu
    if other_pid:
        block.other_cpu_s = tree_cpu_seconds(other_pid) - other
    return block


async def alternate(
    contenders: Sequence[Contender], rounds: int, other_pid: int | None = None
) -> dict[str, list[Block]]:
    """Run ``rounds`` rounds of one block per contender, in rotated order."""
    results: dict[str, list[Block]] = {c.name: [] for c in contenders}
    for index in range(rounds):
        shift = index % len(contenders)
        for contender in [*contenders[shift:], *contenders[:shift]]:
            results[contender.name].append(await run_block(contender, other_pid))
    return results


def summarise(blocks: list[Block], other_name: str = "router") -> dict[str, Any]:
    """Calls/s (median of blocks, with its spread), latency median/p95, CPU per call."""
    latencies = [ms for block in blocks for ms in block.latencies_ms]
    calls = [len(block.latencies_ms) for block in blocks]
    rates = [block.calls_per_s for block in blocks]
    summary = {
        "calls": sum(calls),
        "calls_per_s": rounded(median(rates)),
        "calls_per_s_blocks": spread(rates),
        "latency_median_ms": rounded(median(latencies)),
        "latency_p95_ms": rounded(percentile(latencies, 0.95)),
        "client_cpu_per_call_ms": rounded(
            median([b.cpu_s * 1000 / n for b, n in zip(blocks, calls, strict=True)])
        ),
    }
    if any(block.other_cpu_s for block in blocks):
        summary[f"{other_name}_cpu_per_call_ms"] = rounded(
            median([b.other_cpu_s * 1000 / n for b, n in zip(blocks, calls, strict=True)])
        )
    return summary

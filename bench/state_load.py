"""The router's throughput by state store: embedded (in-process, or the workers' SQLite
file) against Redis, with one worker and with two.

Four routers in front of the same stub run side by side; the load generator
visits them in turn, round after round (the order reversed every other round),
so a slow spell of the machine falls on all four alike. Each request has its
own payload id, so every one claims, stores and spends in the store.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from tests.support.redis_server import RedisServer

from .servers import router
from .stats import rounded

__all__ = ["STATE_LEVEL", "measure_state"]

STATE_LEVEL = 32  # requests in flight


def _flags(redis_url: str) -> dict[str, tuple[str, ...]]:
    # --rate-limit makes every request spend from a bucket too (one address: one bucket)
    limit = ("--rate-limit", "1000000")
    return {
        "embedded_1_worker": limit,
        "embedded_2_workers": (*limit, "--workers", "2"),
        "redis_1_worker": (*limit, "--state", redis_url),
        "redis_2_workers": (*limit, "--state", redis_url, "--workers", "2"),
    }


def measure_state(stub_url: str, key_file: Path, plan: dict[str, int]) -> dict[str, Any]:
    from .router_load import medians, run_loadgen  # router_load imports this module

    blocks: dict[str, list[dict[str, float]]] = {}
    with RedisServer() as redis_server, contextlib.ExitStack() as stack:
        routers = {
            name: stack.enter_context(router("--upstream", stub_url, *flags))
            for name, flags in _flags(redis_server.url).items()
        }
        for index in range(plan["state_rounds"]):
            names = list(routers) if index % 2 == 0 else list(reversed(routers))
            for name in names:
                process = routers[name]
                load = run_loadgen(
                    process.url, process.proc.pid, key_file, [STATE_LEVEL], plan["per_level"], 1
                )
                blocks.setdefault(name, []).extend(load["levels"][str(STATE_LEVEL)])
    figures = {name: medians(found) for name, found in blocks.items()}
    rate = {name: found["requests_per_s"] for name, found in figures.items()}
    return {
        "in_flight": STATE_LEVEL,
        "rounds": plan["state_rounds"],
        **figures,
        "redis_over_embedded_1_worker": rounded(rate["redis_1_worker"] / rate["embedded_1_worker"]),
        "redis_over_embedded_2_workers": rounded(
            rate["redis_2_workers"] / rate["embedded_2_workers"]
        ),
    }

"""The relay's cost: its CPU per request next to that of the router it forwards to.

The same load generator (pre-sealed requests, another process) runs against the
decrypting router directly and against a relay (``--relay``) in front of that
router, alternating the order round by round. For the direct run it reports
the router's CPU per request; for the relayed run the relay's own. The relay
never opens an envelope, so it should cost a small fraction of the router.
"""

from __future__ import annotations

import asyncio
from typing import Any

from nomyo_web.crypto import PrivateKeyHandle

from .router_load import client_key_file, medians, run_loadgen
from .servers import relay
from .stats import rounded

__all__ = ["RELAY_LEVELS", "measure_relay"]

RELAY_LEVELS = (1, 32)


def _compare(router_url: str, router_pid: int, key: PrivateKeyHandle, plan: dict[str, int]) -> Any:
    direct: dict[str, list[dict[str, float]]] = {str(level): [] for level in RELAY_LEVELS}
    relayed: dict[str, list[dict[str, float]]] = {str(level): [] for level in RELAY_LEVELS}
    levels = list(RELAY_LEVELS)
    with client_key_file(key) as key_file, relay(router_url) as proxy:
        targets = [(router_url, router_pid, direct), (proxy.url, proxy.proc.pid, relayed)]
        for index in range(plan["rounds"]):
            for url, pid, sink in targets if index % 2 == 0 else targets[::-1]:
                load = run_loadgen(url, pid, key_file, levels, plan["per_level"], 1)
                for level, blocks in load["levels"].items():
                    sink[level].extend(blocks)
    return direct, relayed


async def measure_relay(
    router_url: str, router_pid: int, key: PrivateKeyHandle, plan: dict[str, int]
) -> dict[str, Any]:
    direct, relayed = await asyncio.to_thread(_compare, router_url, router_pid, key, plan)
    levels: dict[str, Any] = {}
    for level in direct:
        router, proxy = medians(direct[level]), medians(relayed[level])
        router_ms = router["router_cpu_per_request_ms"]
        relay_ms = proxy["router_cpu_per_request_ms"]  # the measured process: the relay
        levels[level] = {
            "router_cpu_per_request_ms": router_ms,
            "relay_cpu_per_request_ms": relay_ms,
            "router_over_relay_cpu": rounded(router_ms / relay_ms),
            "direct_requests_per_s": router["requests_per_s"],
            "relayed_requests_per_s": proxy["requests_per_s"],
            "failed_requests": router["failed_requests"] + proxy["failed_requests"],
        }
    return {"levels": levels}

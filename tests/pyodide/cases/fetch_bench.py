"""Timing of one GET through ``js.fetch`` directly (what FetchTransport does), through
``pyodide.http.pyfetch`` and, when httpx2 is installed, through one reused
``httpx2.AsyncClient`` (its emscripten transport, httpx2-jsfetch), in alternating
blocks. Used by tests/pyodide/bench_fetch.py only."""

from __future__ import annotations

import statistics
import time
from typing import Any


async def _via_js_fetch(url: str, timeout: float | None = 30.0) -> int:
    from nomyo_web.transport import Request
    from nomyo_web.transport.fetch import FetchTransport

    response = await FetchTransport().handle_async_request(Request("GET", url, timeout=timeout))
    return len(response.content)


async def _via_js_fetch_no_timeout(url: str) -> int:
    return await _via_js_fetch(url, None)


async def _via_pyfetch(url: str) -> int:
    from pyodide.http import pyfetch

    response = await pyfetch(url, method="GET", cache="no-store", credentials="omit")
    headers = {k.lower(): v for k, v in response.headers.items()}
    return len(await response.bytes()) + 0 * len(headers)


_HTTPX2: list[Any] = []


async def _via_httpx2_jsfetch(url: str) -> int:
    if not _HTTPX2:
        import httpx2

        _HTTPX2.append(httpx2.AsyncClient(timeout=30.0))
    response = await _HTTPX2[0].get(url)
    return len(response.content)


async def compare(url: str, blocks: int = 6, per_block: int = 40) -> dict[str, Any]:
    """Median milliseconds per request for each way, over alternating blocks."""
    import importlib.util

    ways = {
        "js.fetch": _via_js_fetch,
        "js.fetch, no timeout": _via_js_fetch_no_timeout,
        "pyfetch, no timeout": _via_pyfetch,
    }
    if importlib.util.find_spec("httpx2") is not None:
        ways["httpx2 (httpx2-jsfetch)"] = _via_httpx2_jsfetch
    samples: dict[str, list[float]] = {name: [] for name in ways}
    for way in ways.values():  # warm-up
        await way(url)
    for block in range(blocks):
        order = list(ways.items())
        order = order[block % len(order) :] + order[: block % len(order)]
        for name, way in order:
            for _ in range(per_block):
                started = time.perf_counter()
                await way(url)
                samples[name].append((time.perf_counter() - started) * 1000)
    return {name: round(statistics.median(values), 3) for name, values in samples.items()}

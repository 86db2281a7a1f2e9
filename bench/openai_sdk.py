"""The OpenAI SDK path: ``chat.completions.create()`` over ``AsyncSecureTransport`` against
``SecureChatCompletion.create()`` on the same router, on CPython and in Chromium.

CPython runs in the OpenAI-SDK environment (tests/support/envs.py; the suite's
.venv cannot hold openai beside nomyo==0.2.9) as bench/openai_child.py, which
also compares the transport seam's candidates there (httpx against httpx2).
Chromium runs bench/web/openai.html: Pyodide with nomyo-web and openai
installed by micropip from build/pyodide/. Both alternate blocks of the three
calls (``create``, ``sdk``, ``sdk_raw``: the SDK without its pydantic parsing) and
time that parsing apart (``parse()`` of the raw answers).
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from .servers import REPO_ROOT
from .stats import median, ratio, rounded

__all__ = ["measure_openai"]

CALLS = ("create", "sdk", "sdk_raw")


async def _cpython(url: str, pid: int, plan: dict[str, int]) -> dict[str, Any]:
    from tests.support.envs import openai_sdk_env

    python = await asyncio.to_thread(openai_sdk_env)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    child = await asyncio.create_subprocess_exec(
        *(str(python), "-m", "bench.openai_child", url, str(pid), json.dumps(plan)),
        cwd=REPO_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"bench.openai_child failed:\n{err.decode()[-3000:]}")
    result: dict[str, Any] = json.loads(out)
    return result


async def _chromium(stub_url: str, plan: dict[str, int]) -> dict[str, Any]:
    from .browser import bench_pages, load_page

    async with bench_pages(stub_url) as ([origin], router_url, browser):
        url = f"{origin}/bench/openai.html?router={router_url}"
        context, page, _ready, _size = await load_page(browser, url)
        try:
            times = await _alternate(page, plan)
            parse = await page.evaluate("benchParse()")
        finally:
            await context.close()
    medians = {name: median(values) for name, values in times.items()}
    return {
        "calls_each": len(times["create"]),
        **{f"{name}_median_ms": rounded(value) for name, value in medians.items()},
        "sdk_over_create": rounded(ratio(medians["sdk"], medians["create"])),
        "sdk_raw_over_create": rounded(ratio(medians["sdk_raw"], medians["create"])),
        "sdk_parse_ms": rounded(median(parse)),
    }


async def _alternate(page: Any, plan: dict[str, int]) -> dict[str, list[float]]:
    for name in CALLS:  # keys ready, server key fetched, code paths warm
        await page.evaluate("([name, n]) => benchCalls(name, n)", [name, 5])
    times: dict[str, list[float]] = {name: [] for name in CALLS}
    for index in range(plan["rounds"]):
        shift = index % len(CALLS)
        for name in (*CALLS[shift:], *CALLS[:shift]):
            block = await page.evaluate(
                "([name, n]) => benchCalls(name, n)", [name, plan["browser_per_block"]]
            )
            times[name].extend(block)
    return times


async def measure_openai(url: str, pid: int, stub_url: str, plan: dict[str, int]) -> dict[str, Any]:
    """The CPython figures, and Chromium's when Chromium and build/pyodide are there."""
    from .browser import missing

    result: dict[str, Any] = {"cpython": await _cpython(url, pid, plan)}
    reason = missing()
    if reason:
        result["chromium_skipped"] = reason
    else:
        result["chromium"] = await _chromium(stub_url, plan)
    return result

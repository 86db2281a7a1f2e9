"""nomyo_web in Pyodide in headless Chromium against the router, and the JavaScript floor.

Pages (bench/web/) come from a loopback static server (tests.support.browser),
Pyodide and our wheel from build/pyodide/; the router allows that origin by
CORS (the preflight is cached, so each call is one POST). Every page gets a
fresh browser context, so nothing is cached between loads.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from tests.support.router import DEMO_SERVER, demo_web_flags

from .payload import linearity
from .servers import REPO_ROOT, router
from .stats import median, percentile, rounded, spread

__all__ = ["measure_browser", "missing"]

WEB = Path(__file__).resolve().parent / "web"
BUILD = REPO_ROOT / "build" / "pyodide"
PAYLOAD_SOURCE = Path(__file__).resolve().parent / "payload.py"
TIMEOUT_MS = 180_000


def missing() -> str | None:
    from tests.support.browser import pyodide_page_missing

    return pyodide_page_missing()


async def _load(browser: Any, url: str, demo: bool = False) -> tuple[Any, Any, float, int]:
    """A fresh context and page at ``url``; (context, page, ready ms, bytes downloaded)."""
    context = await browser.new_context()
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    finished: list[Any] = []
    page.on("requestfinished", lambda request: finished.append(request))
    await page.goto(url)
    if demo:
        await page.wait_for_selector("html[data-ready]", state="attached")
        if await page.get_attribute("html", "data-ready") != "true":
            raise RuntimeError("the demo page failed to start")
        ready = float(await page.get_attribute("html", "data-load-ms") or "nan")
    else:
        ready = float(await page.evaluate("window.benchReady", None))
    total = 0
    for request in finished:
        sizes = await request.sizes()
        total += int(sizes["responseBodySize"]) + int(sizes["responseHeadersSize"])
    return context, page, ready, total


async def _demo_page(browser: Any, stub_url: str, loads: int) -> dict[str, Any]:
    """web/demo.html as the demo server serves it: ready time and bytes downloaded."""
    with router("--upstream", stub_url, *demo_web_flags(), module=DEMO_SERVER) as proc:
        ready, downloads = [], []
        for _ in range(loads):
            context, _page, ms, size = await _load(browser, f"{proc.url}/demo/demo.html", True)
            ready.append(ms)
            downloads.append(size)
            await context.close()
    return {"demo_ready_ms": rounded(median(ready)), "demo_page_bytes": median(downloads)}


async def _cold_starts(browser: Any, origin: str, router_url: str, loads: int) -> dict[str, Any]:
    bare, client, downloads = [], [], []
    for index in range(loads):
        order = ["bare", "client"] if index % 2 == 0 else ["client", "bare"]
        for name in order:
            url = f"{origin}/bench/{name}.html?router={router_url}"
            context, _page, ready, size = await _load(browser, url)
            (bare if name == "bare" else client).append(ready)
            if name == "client":
                downloads.append(size)
            await context.close()
    return {
        "bare_load_pyodide_ms": rounded(median(bare)),
        "ready_client_ms": rounded(median(client)),
        "ready_client_over_bare": rounded(median(client) / median(bare)),
        "ready_client_over_bare_loads": spread([c / b for c, b in zip(client, bare, strict=True)]),
        "client_page_bytes": median(downloads),
    }


async def _per_call(page: Any, plan: dict[str, int]) -> dict[str, Any]:
    await page.evaluate("n => benchPython(n)", 5)  # key ready, server key fetched
    python, floor = [], []
    for index in range(plan["rounds"]):
        order = ["benchPython", "benchFloor"] if index % 2 == 0 else ["benchFloor", "benchPython"]
        for name in order:
            times = await page.evaluate(f"n => {name}(n)", plan["per_block"])
            (python if name == "benchPython" else floor).extend(times)
    return {
        "calls_each": len(python),
        "pyodide_median_ms": rounded(median(python)),
        "pyodide_p95_ms": rounded(percentile(python, 0.95)),
        "js_floor_median_ms": rounded(median(floor)),
        "js_floor_p95_ms": rounded(percentile(floor, 0.95)),
        "pyodide_over_js_floor": rounded(median(python) / median(floor)),
    }


_PAYLOAD_RUN = """
import json, sys
sys.path.insert(0, "/tmp/bench")
from bench_payload import measure_payload, linearity
from nomyo_web.crypto.webcrypto import WebCryptoBackend
_backend = WebCryptoBackend()
_key = await _backend.generate_private_key(4096)
json.dumps(await measure_payload(_backend, _key, {repeats}))
"""


async def _payload(page: Any, repeats: int) -> dict[str, Any]:
    source = PAYLOAD_SOURCE.read_text()
    await page.evaluate(
        "src => benchRunPython(`import os\\nos.makedirs('/tmp/bench', exist_ok=True)\\n"
        "open('/tmp/bench/bench_payload.py', 'w').write(${JSON.stringify(src)})`)",
        source,
    )
    import json

    sizes = json.loads(
        await page.evaluate("c => benchRunPython(c)", _PAYLOAD_RUN.format(repeats=repeats))
    )
    table = {label: {k: rounded(v) for k, v in row.items()} for label, row in sizes.items()}
    return {
        "backend": "WebCryptoBackend (Pyodide in Chromium)",
        "sizes": table,
        "linearity": {k: rounded(v) for k, v in linearity(sizes).items()},
    }


def _wheel() -> dict[str, Any]:
    wheels = sorted((REPO_ROOT / "dist").glob("nomyo_web-*.whl")) or sorted(
        BUILD.glob("nomyo_web-*.whl")
    )
    return {"wheel": wheels[-1].name, "wheel_bytes": wheels[-1].stat().st_size}


@contextlib.asynccontextmanager
async def bench_pages(stub_url: str) -> AsyncIterator[tuple[str, str, Any]]:
    """(the bench pages' origin, a router that allows it by CORS, Chromium)."""
    from tests.support.browser import StaticServer, chromium

    mounts = {"/pyodide/": BUILD, "/bench/": WEB}
    with (
        StaticServer(mounts) as static,
        router("--upstream", stub_url, "--cors-origin", static.url) as proc,
    ):
        async with chromium() as browser:
            yield static.url, proc.url, browser


async def measure_browser(stub_url: str, plan: dict[str, int]) -> dict[str, Any]:
    async with bench_pages(stub_url) as (origin, router_url, browser):
        cold = await _cold_starts(browser, origin, router_url, plan["loads"])
        if (REPO_ROOT / "web" / "demo.html").is_file():
            cold.update(await _demo_page(browser, stub_url, plan["loads"]))
        context, page, _ready, _size = await _load(
            browser, f"{origin}/bench/client.html?router={router_url}"
        )
        try:
            calls = await _per_call(page, plan)
            payload = await _payload(page, plan["repeats"])
        finally:
            await context.close()
    return {"per_call": calls, "cold_start": cold, "payload": payload, **_wheel()}

"""nomyo_web in Pyodide in headless Chromium against the router, and the JavaScript floor.

Pages (bench/web/) come from a loopback static server (tests.support.browser),
Pyodide and our wheel from build/pyodide/; the router allows that origin by
CORS (the preflight is cached, so each call is one POST). Every page gets a
fresh browser context, so nothing is cached between loads (``bench.pages``).

Cold starts alternate, load by load: bare ``loadPyodide()``, the bench client
page (ready client), and the demo page asked its question at once (its first
sealed answer on screen); the per-call comparison alternates blocks of
``client.create()`` and of the same protocol in plain page JavaScript.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

from tests.support.router import DEMO_SERVER

from .pages import PageTree, load_demo, load_page
from .payload import linearity
from .servers import REPO_ROOT, router
from .stats import median, percentile, rounded, spread

__all__ = ["bench_pages", "demo_server", "load_page", "measure_browser", "missing"]

TREE = PageTree(REPO_ROOT)
# Pyodide's npm files as shipped (build/pyodide adds bytecode to the standard library).
STOCK_PYODIDE = REPO_ROOT / "web" / "node_modules" / "pyodide"
PAYLOAD_SOURCE = REPO_ROOT / "bench" / "payload.py"


def missing() -> str | None:
    from tests.support.browser import pyodide_page_missing

    return pyodide_page_missing()


async def cold_starts(
    browser: Any, pages: dict[str, str], loads: int
) -> dict[str, dict[str, list[float]]]:
    """``loads`` cold loads of each page, in turn (the order rotates), each in a fresh context.

    ``pages``: name -> URL; a name starting with ``demo`` is driven as the demo page.
    Returns name -> {"ready": [...], "bytes": [...]} (demo pages also "answer").
    """
    names = list(pages)
    seen: dict[str, dict[str, list[float]]] = {name: {"ready": [], "bytes": []} for name in names}
    for index in range(loads):
        for name in names[index % len(names) :] + names[: index % len(names)]:
            figures = seen[name]
            if name.startswith("demo"):
                demo = await load_demo(browser, pages[name])
                figures["ready"].append(demo.ready_ms)
                figures.setdefault("answer", []).append(demo.first_answer_ms)
                figures["bytes"].append(demo.page_bytes)
                continue
            context, _page, ready, size = await load_page(browser, pages[name])
            figures["ready"].append(ready)
            figures["bytes"].append(size)
            await context.close()
    return seen


def _cold_figures(seen: dict[str, dict[str, list[float]]]) -> dict[str, Any]:
    bare, client = seen["bare"]["ready"], seen["client"]["ready"]
    figures = {
        "bare_load_pyodide_ms": rounded(median(bare)),
        "ready_client_ms": rounded(median(client)),
        "ready_client_over_bare": rounded(median(client) / median(bare)),
        "ready_client_over_bare_loads": spread([c / b for c, b in zip(client, bare, strict=True)]),
        "client_page_bytes": median(seen["client"]["bytes"]),
    }
    if "bare_stock" in seen:
        stock = median(seen["bare_stock"]["ready"])
        figures |= {
            "bare_stock_load_pyodide_ms": rounded(stock),
            "ready_client_over_bare_stock": rounded(median(client) / stock),
        }
    if "demo" in seen:
        figures |= {
            "demo_ready_ms": rounded(median(seen["demo"]["ready"])),
            "demo_first_answer_ms": rounded(median(seen["demo"]["answer"])),
            "demo_page_bytes": median(seen["demo"]["bytes"]),
        }
    return figures


def demo_yardstick(cold: dict[str, Any], js_call_ms: float) -> dict[str, Any]:
    """Demo first answer ÷ (bare loadPyodide() + one plain-JavaScript call), same run."""
    if "demo_first_answer_ms" not in cold:
        return {}
    floor = cold["bare_load_pyodide_ms"] + js_call_ms
    figures = {
        "bare_plus_js_call_ms": rounded(floor),
        "demo_first_answer_over_bare_plus_js_call": rounded(cold["demo_first_answer_ms"] / floor),
    }
    if "bare_stock_load_pyodide_ms" in cold:
        stock = cold["bare_stock_load_pyodide_ms"] + js_call_ms
        figures["demo_first_answer_over_bare_stock_plus_js_call"] = rounded(
            cold["demo_first_answer_ms"] / stock
        )
    return figures


async def per_call(pages: dict[str, Any], rounds: int, per_block: int) -> dict[str, list[float]]:
    """Blocks of ``benchPython`` and ``benchFloor`` on each page, alternating round by round.

    Returns "<page>_python" and "<page>_floor" -> per-call ms.
    """
    for page in pages.values():
        await page.evaluate("n => benchPython(n)", 5)  # key ready, server key fetched
    blocks = [(name, hook) for name in pages for hook in ("python", "floor")]
    times: dict[str, list[float]] = {f"{name}_{hook}": [] for name, hook in blocks}
    for index in range(rounds):
        order = blocks[index % len(blocks) :] + blocks[: index % len(blocks)]
        for name, hook in order if index % 2 == 0 else order[::-1]:
            function = "benchPython" if hook == "python" else "benchFloor"
            times[f"{name}_{hook}"] += await pages[name].evaluate(f"n => {function}(n)", per_block)
    return times


def _call_figures(python: list[float], floor: list[float]) -> dict[str, Any]:
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
        TREE.pyodide.glob("nomyo_web-*.whl")
    )
    return {"wheel": wheels[-1].name, "wheel_bytes": wheels[-1].stat().st_size}


@contextlib.asynccontextmanager
async def bench_pages(stub_url: str, *trees: PageTree) -> AsyncIterator[tuple[list[str], str, Any]]:
    """(each tree's bench pages' origin, a router allowing them all by CORS, Chromium)."""
    from tests.support.browser import StaticServer, chromium

    with contextlib.ExitStack() as stack:
        origins = [
            stack.enter_context(
                StaticServer(
                    {
                        "/pyodide/": tree.pyodide,
                        "/pyodide-stock/": STOCK_PYODIDE,
                        "/bench/": tree.bench_pages,
                    }
                )
            ).url
            for tree in trees or (TREE,)
        ]
        cors = [part for origin in origins for part in ("--cors-origin", origin)]
        proc = stack.enter_context(router("--upstream", stub_url, *cors))
        async with chromium() as browser:
            yield origins, proc.url, browser


@contextlib.contextmanager
def demo_server(stub_url: str, tree: PageTree = TREE) -> Iterator[str | None]:
    """The URL of ``tree``'s demo page, served in front of the stub upstream; or None."""
    if not (tree.web / "demo.html").is_file():
        yield None
        return
    with router("--upstream", stub_url, *tree.demo_flags(), module=DEMO_SERVER) as proc:
        yield f"{proc.url}/demo/demo.html"


async def measure_browser(stub_url: str, plan: dict[str, int]) -> dict[str, Any]:
    with demo_server(stub_url) as demo_url:
        async with bench_pages(stub_url) as ([origin], router_url, browser):
            client_url = f"{origin}/bench/client.html?router={router_url}"
            urls = {
                "bare": f"{origin}/bench/bare.html",
                "bare_stock": f"{origin}/bench/bare.html?stock",
                "client": client_url,
            }
            if demo_url:
                urls["demo"] = demo_url
            cold = _cold_figures(await cold_starts(browser, urls, plan["loads"]))
            context, page, _ready, _size = await load_page(browser, client_url)
            try:
                times = await per_call({"client": page}, plan["rounds"], plan["per_block"])
                payload = await _payload(page, plan["repeats"])
            finally:
                await context.close()
    calls = _call_figures(times["client_python"], times["client_floor"])
    cold |= demo_yardstick(cold, calls["js_floor_median_ms"])
    return {"per_call": calls, "cold_start": cold, "payload": payload, **_wheel()}

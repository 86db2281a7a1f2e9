"""The load run with nomyo_web inside Pyodide in headless Chromium.

The page is soak/web/pyodide.html (Pyodide with nomyo-web by micropip), served with
build/pyodide/ from a loopback static server; the router allows that origin by
CORS and forwards to the soak's stub upstream. Inside the page, N requests run
at C in flight through one client, each with a fresh nonce in its prompt, and
each answer is checked against its own prompt after decryption (the same check
as the CPython load run). The stub must then have seen every nonce exactly once.

Memory is sampled inside the page every tenth of the run: the WebAssembly heap
(it only grows, so "flat" means no growth after the warm-up), the JavaScript
heap as the page sees it (``performance.memory``, which includes garbage not yet
collected), and the count of live Python objects after a collection. At the
start and end of the measured run the harness also forces a JavaScript
collection over the DevTools protocol and reads V8's used heap, the figure the
JS-heap check is made on; the router's RSS is sampled from outside.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .load import MARKER
from .processes import REPO_ROOT, StubProcess, free_port, rss_mib, start_router_on

__all__ = ["run_browser_load"]

BUILD = REPO_ROOT / "build" / "pyodide"
PAGE = REPO_ROOT / "soak" / "web"
# Python objects may grow a little as caches fill; more than this after the warm-up
# would be a leak per request (the run makes thousands).
OBJECT_GROWTH_LIMIT = 5_000
WASM_GROWTH_LIMIT_MIB = 16.0
JS_HEAP_GROWTH_LIMIT_MIB = 8.0

_SETUP = """
import asyncio, gc, json, time, uuid, warnings
import js
from nomyo_web import SecureChatCompletion
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    soak_client = SecureChatCompletion(base_url=ROUTER, allow_http=True, key_rotation_interval=None)

def soak_memory():
    gc.collect()
    sample = {"python_objects": len(gc.get_objects())}
    try:
        import pyodide_js
        sample["wasm_mib"] = round(pyodide_js._module.HEAP8.length / 2**20, 1)
    except Exception:
        sample["wasm_mib"] = None
    memory = getattr(js.performance, "memory", None)
    sample["js_heap_mib"] = round(memory.usedJSHeapSize / 2**20, 1) if memory else None
    return sample

async def soak_one(number):
    prompt = f"browser soak request {number} MARKER" + uuid.uuid4().hex
    try:
        answer = await soak_client.create(
            model="soak", messages=[{"role": "user", "content": prompt}])
    except Exception as error:
        return type(error).__name__
    if answer["choices"][0]["message"]["content"] != prompt:
        return "answer-of-another-request"
    if answer["x_stub_request"]["messages"][0]["content"] != prompt:
        return "request-mismatch"
    return None

async def soak_load(requests, concurrency):
    failures, samples, state = {}, [soak_memory()], {"next": 0, "done": 0}
    async def worker():
        while (number := state["next"]) < requests:
            state["next"] += 1
            problem = await soak_one(number)
            if problem is not None:
                failures[problem] = failures.get(problem, 0) + 1
            state["done"] += 1
            if state["done"] % max(1, requests // 10) == 0:
                samples.append(soak_memory())
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    samples.append(soak_memory())
    return json.dumps({"requests": requests, "concurrency": concurrency,
                       "failures": sum(failures.values()), "failure_kinds": failures,
                       "seconds": round(seconds, 1),
                       "requests_per_second": round(requests / seconds, 1),
                       "memory": samples})
"""


async def run_browser_load(
    stub: StubProcess, key_file: Path, requests: int, concurrency: int, rss_limit_mib: float
) -> dict[str, Any]:
    from tests.support.browser import StaticServer, chromium, is_loopback, watch_network

    setup = _SETUP.replace("MARKER", MARKER)
    seen: list[str] = []
    with (
        StaticServer({"/pyodide/": BUILD, "/": PAGE}) as static,
        start_router_on(free_port(), key_file, stub.url, "--cors-origin", static.url) as router,
    ):
        async with chromium() as browser:
            context = await browser.new_context()
            watch_network(context, seen)
            page = await context.new_page()
            devtools = await context.new_cdp_session(page)

            async def js_heap_after_gc() -> float:
                await devtools.send("HeapProfiler.collectGarbage")
                usage = await devtools.send("Runtime.getHeapUsage")
                return round(float(usage["usedSize"]) / 2**20, 1)

            await page.goto(static.url + "/pyodide.html")
            await page.evaluate("window.nomyoReady")
            run = "code => window.runPython(code)"
            await page.evaluate(run, f"ROUTER = {router.url!r}\n{setup}")
            warm = min(200, requests)
            await page.evaluate(run, f"await soak_load({warm}, {concurrency})")
            stub.reset()
            router_start = rss_mib(router.proc.pid)
            js_start = await js_heap_after_gc()
            result: dict[str, Any] = json.loads(
                await page.evaluate(run, f"await soak_load({requests}, {concurrency})")
            )
            js_end = await js_heap_after_gc()
            router_end = rss_mib(router.proc.pid)
            await page.evaluate(run, "soak_client.dispose()")
            await context.close()
    outside = [url for url in seen if not is_loopback(url)]
    nonces = stub.stats(MARKER)["nonces"]
    first, last = result["memory"][0], result["memory"][-1]
    wasm_growth = (
        round(last["wasm_mib"] - first["wasm_mib"], 1)
        if first["wasm_mib"] is not None and last["wasm_mib"] is not None
        else None
    )
    result.update(
        runtime="nomyo_web in Pyodide in headless Chromium",
        warmup_requests=warm,
        every_nonce_once=len(nonces) == requests and set(nonces.values()) == {1},
        python_object_growth=last["python_objects"] - first["python_objects"],
        wasm_growth_mib=wasm_growth,
        js_heap_after_gc_mib={"start": js_start, "end": js_end},
        js_heap_growth_mib=round(js_end - js_start, 1),
        router_rss_mib={"start": router_start, "end": router_end},
        router_rss_growth_mib=round(router_end - router_start, 1),
        requests_left_loopback=len(outside),
    )
    result["passed"] = (
        result["failures"] == 0
        and not outside
        and result["every_nonce_once"]
        and result["python_object_growth"] < OBJECT_GROWTH_LIMIT
        and (wasm_growth is None or wasm_growth < WASM_GROWTH_LIMIT_MIB)
        and result["js_heap_growth_mib"] < JS_HEAP_GROWTH_LIMIT_MIB
        and result["router_rss_growth_mib"] < rss_limit_mib
    )
    return result

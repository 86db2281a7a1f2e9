"""Measure js.fetch (FetchTransport) against pyodide.http.pyfetch and httpx2-jsfetch in Pyodide.

    .venv/bin/python -m tests.pyodide.bench_fetch

Starts a router (GET /pki/public_key, CORS for the page origin), then prints the
median ms per request for each way under Node.js and in Chromium (httpx2 is
installed by micropip from the local lock first). Not a test: it asserts nothing
about timings.
"""

from __future__ import annotations

import asyncio
import json

from tests.pyodide.runtimes import ChromiumPyodide, NodePyodide
from tests.support.browser import BUILD_PYODIDE, StaticServer, chromium
from tests.support.router import start_router

HERE = BUILD_PYODIDE.parents[1] / "tests" / "pyodide"
INSTALL_HTTPX2 = "import micropip\nawait micropip.install('httpx2')"


async def main() -> None:
    with (
        StaticServer({"/pyodide/": BUILD_PYODIDE, "/": HERE}) as pages,
        start_router("--cors-origin", pages.url, "--upstream", "http://127.0.0.1:9") as router,
    ):
        url = router.url + "/pki/public_key"
        node = await NodePyodide.start(BUILD_PYODIDE)
        try:
            await node.run(INSTALL_HTTPX2)
            print("node", json.dumps(await node.call("fetch_bench:compare", url=url)))
        finally:
            await node.close()
        async with chromium() as browser:
            page = await ChromiumPyodide.start(browser, pages.url)
            try:
                await page.run(INSTALL_HTTPX2)
                print("chromium", json.dumps(await page.call("fetch_bench:compare", url=url)))
            finally:
                await page.close()


if __name__ == "__main__":
    asyncio.run(main())

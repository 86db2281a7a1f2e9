"""CORS in a real Chromium: a router serves a page's origin only when it lists it.

The page (tests/pyodide/harness.html, Pyodide with nomyo-web installed by
micropip) comes from a loopback static server on one origin; two routers on
other loopback origins front the stub upstream. One lists the page's origin,
the other lists a different origin only: Chromium must block the second, and
the client must report it as ``APIConnectionError`` with nothing inferred.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import pytest_asyncio

from tests.pyodide.runtimes import HERE as HARNESS_DIR
from tests.pyodide.runtimes import ChromiumPyodide
from tests.support.browser import BUILD_PYODIDE, StaticServer, check_loopback_only, chromium
from tests.support.router import RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream

pytestmark = [
    pytest.mark.skipif(
        shutil.which("chromium") is None or not (BUILD_PYODIDE / "pyodide-lock.json").exists(),
        reason="needs Debian chromium and build/pyodide (.venv/bin/python web/build.py)",
    ),
    pytest.mark.asyncio(loop_scope="module"),
]

OTHER_ORIGIN = "http://127.0.0.1:9"
PROMPT = "cors check: which origin may read this?"
CALL = """
import json, warnings
from nomyo_web import SecureChatCompletion
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    _client = SecureChatCompletion(base_url={url!r}, allow_http=True, max_retries=0, timeout=20)
try:
    _messages = [{{"role": "user", "content": {prompt!r}}}]
    _answer = await _client.create(model="stub", messages=_messages)
    _result = {{"ok": True, "content": _answer["choices"][0]["message"]["content"]}}
except Exception as _exc:
    _result = {{"ok": False, "error": type(_exc).__name__}}
_client.dispose()
json.dumps(_result)
"""


@pytest.fixture(scope="module")
def page_origin() -> Iterator[StaticServer]:
    with StaticServer({"/pyodide/": BUILD_PYODIDE, "/": HARNESS_DIR}) as server:
        yield server


@pytest.fixture(scope="module")
def listing_router(
    stub_upstream_server: StubUpstream, page_origin: StaticServer
) -> Iterator[RouterProcess]:
    args = ("--upstream", stub_upstream_server.url, "--cors-origin", page_origin.url)
    with start_router(*args) as process:
        yield process


@pytest.fixture(scope="module")
def other_router(stub_upstream_server: StubUpstream) -> Iterator[RouterProcess]:
    args = ("--upstream", stub_upstream_server.url, "--cors-origin", OTHER_ORIGIN)
    with start_router(*args) as process:
        yield process


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def page(page_origin: StaticServer) -> AsyncIterator[ChromiumPyodide]:
    async with chromium() as browser:
        runtime = await ChromiumPyodide.start(browser, page_origin.url)
        try:
            yield runtime
        finally:
            await runtime.close()


async def _call(page: ChromiumPyodide, url: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(await page.run(CALL.format(url=url, prompt=PROMPT)))
    return result


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def test_a_router_listing_the_pages_origin_answers_it(
    page: ChromiumPyodide, listing_router: RouterProcess, stub_upstream: StubUpstream
) -> None:
    result = await _call(page, listing_router.url)
    assert result == {"ok": True, "content": PROMPT}
    assert stub_upstream.calls == 1


async def test_a_router_listing_another_origin_is_blocked_by_the_browser(
    page: ChromiumPyodide,
    other_router: RouterProcess,
    stub_upstream: StubUpstream,
    page_origin: StaticServer,
) -> None:
    result = await _call(page, other_router.url)
    assert result == {"ok": False, "error": "APIConnectionError"}
    assert stub_upstream.calls == 0
    # The router may see the key fetch or a preflight, but never the sealed POST.
    records = other_router.request_log(at_least=1, timeout=3)
    posts = [r for r in records if r.get("method") == "POST"]
    assert posts == [], f"the router received a POST from a page it does not list: {posts}"
    assert any(_origin(url) == _origin(other_router.url) for url in await page.network()), (
        "the page never tried the unlisted router, so the test proved nothing"
    )


async def test_every_request_stayed_on_the_loopback_origins(
    page: ChromiumPyodide,
    page_origin: StaticServer,
    listing_router: RouterProcess,
    other_router: RouterProcess,
) -> None:
    urls = await page.network()
    check_loopback_only(urls)
    allowed = {page_origin.url, listing_router.url, other_router.url}
    outside = [url for url in urls if _origin(url) not in allowed]
    assert outside == [], f"requests to origins other than the page's and the routers': {outside}"

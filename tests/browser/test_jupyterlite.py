"""The JupyterLite site, offline, in Debian Chromium against a real router process.

The REPL app is opened with two cells in its URL: ``%pip install nomyo-web`` (from the
site's local index, PyPI fallback disabled) and the guide's simple chat with
``SecureChatCompletion`` against the router that serves the page; or, as the guide's
OpenAI-SDK cells do, ``%pip install nomyo-web openai`` and a chat through the official
``openai`` SDK over ``AsyncSecureTransport``. The stub upstream
echoes the prompt; the cell prints it upper-cased, so the text asserted on appears only
if the answer came back decrypted. Every request is routed: anything off the router's
origin is aborted and fails the test.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from tests.support.browser import (
    REPO_ROOT,
    allow_only,
    check_loopback_only,
    chromium,
    watch_network,
)
from tests.support.router import RouterProcess, start_demo_server
from tests.support.stub_upstream import StubUpstream

LITE = REPO_ROOT / "build" / "jupyterlite"
BUILD_SCRIPT = REPO_ROOT / "web" / "jupyterlite" / "build.py"
TOKEN = "lite-probe-answer-7d3f"
CHAT = f"""\
import js
from nomyo_web import SecureChatCompletion
client = SecureChatCompletion(base_url=str(js.location.origin), allow_http=True)
response = await client.create(model="Qwen/Qwen3-0.6B",
                               messages=[{{"role": "user", "content": "{TOKEN}"}}])
print("answer:", response["choices"][0]["message"]["content"].upper())
client.dispose()
"""
SDK_CHAT = f"""\
import js, httpx2, openai
from nomyo_web import AsyncSecureTransport
transport = AsyncSecureTransport(allow_http=True)
sdk = openai.AsyncOpenAI(base_url=str(js.location.origin) + "/v1", api_key="none",
                         http_client=httpx2.AsyncClient(transport=transport))
completion = await sdk.chat.completions.create(
    model="Qwen/Qwen3-0.6B", messages=[{{"role": "user", "content": "{TOKEN}"}}])
print(type(completion).__name__, "answer:", completion.choices[0].message.content.upper())
await sdk.close()
"""
CELLS = {
    "nomyo-web": ("%pip install nomyo-web", CHAT),
    "openai-sdk": ("%pip install nomyo-web openai", SDK_CHAT),
}

pytestmark = [
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian chromium"),
    pytest.mark.skipif(
        importlib.util.find_spec("jupyterlite_core") is None
        or importlib.util.find_spec("jupyterlite_pyodide_kernel") is None
        or importlib.util.find_spec("jupyter_server") is None,
        reason="needs the `lite` extra (pip install -e '.[lite]') to build build/jupyterlite",
    ),
]


@pytest.fixture(scope="module")
def lite_site() -> None:
    """(Re)builds the site: a few seconds, and never a stale page with inline scripts."""
    subprocess.run([sys.executable, str(BUILD_SCRIPT)], cwd=REPO_ROOT, check=True)


@pytest.fixture(scope="module")
def stub() -> Iterator[StubUpstream]:
    with StubUpstream() as upstream:
        yield upstream


@pytest.fixture(scope="module")
def router(lite_site: None, stub: StubUpstream) -> Iterator[RouterProcess]:
    with start_demo_server("--upstream", stub.url) as process:
        yield process


@pytest.mark.parametrize("cells", list(CELLS))
async def test_repl_installs_nomyo_web_and_chats_offline(
    router: RouterProcess, stub: StubUpstream, cells: str
) -> None:
    origin = router.url
    seen: list[str] = []
    install, chat = CELLS[cells]
    query = urlencode([("kernel", "python"), ("code", install), ("code", chat)])
    async with chromium() as browser:
        # JupyterLite's service worker only serves kernel file access; blocking it keeps
        # every request visible to the router below.
        context = await browser.new_context(service_workers="block")
        watch_network(context, seen)

        refused = await allow_only(context, origin)
        page = await context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
        page.on(
            "requestfailed",
            lambda request: console.append(f"failed: {request.url} {request.failure}"),
        )
        started = time.monotonic()
        await page.goto(f"{origin}/demo/lite/repl/index.html?{query}")
        try:
            await page.wait_for_function(
                "text => document.body.innerText.includes(text)",
                arg=f"answer: {TOKEN.upper()}",
                timeout=240_000,
            )
        except PlaywrightTimeoutError:
            text = await page.evaluate("document.body.innerText")
            pytest.fail(
                f"no answer after {time.monotonic() - started:.0f} s\n"
                f"page text (end): {text[-1500:]}\n"
                f"console (last 40): {console[-40:]}\n"
                f"refused: {refused}\nlast requests: {seen[-25:]}"
            )
        print(f"lite: answer {time.monotonic() - started:.1f} s after navigation")
    assert refused == []
    check_loopback_only(seen)
    assert any("/demo/lite/static/pyodide/nomyo_web-" in url for url in seen)
    if cells == "openai-sdk":
        assert any("/demo/lite/static/pyodide/pydantic_core-" in url for url in seen)
    assert stub.calls >= 1
    assert any(TOKEN in str(request) for request in stub.requests)

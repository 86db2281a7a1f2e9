"""The browser pages end to end in Debian Chromium against a real router with the embedded model.

Every request is intercepted; anything not to the router's origin is aborted and fails the test.
Screenshots go to test-output/browser/.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import BUILD_PYODIDE, REPO_ROOT, chromium
from tests.support.router import RouterProcess, start_demo_server

sys.path.insert(0, str(REPO_ROOT / "web"))
import check_demo

OUT = REPO_ROOT / "test-output" / "browser"
MODEL = REPO_ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None
    or not (BUILD_PYODIDE / "pyodide-lock.json").exists()
    or not MODEL.exists(),
    reason="needs Debian chromium, build/pyodide (python web/build.py) and the model",
)


@pytest.fixture(scope="module")
def router() -> Iterator[RouterProcess]:
    with start_demo_server("--threads", "1") as process:
        yield process


@pytest.mark.parametrize(
    "name,viewport", [("desktop", check_demo.DESKTOP), ("phone", check_demo.PHONE)]
)
async def test_demo_answers_the_capital_question(
    router: RouterProcess, name: str, viewport: dict[str, int]
) -> None:
    shot = OUT / f"demo-{name}.png"
    run = await check_demo.check_demo(router.url, screenshot=shot, viewport=viewport)
    assert run.refused == []
    assert run.error == ""
    assert run.answer
    assert shot.exists()


async def test_demo_key_wire_and_storage(router: RouterProcess) -> None:
    refused: list[str] = []
    async with chromium() as browser:
        context = await browser.new_context()
        origin = router.url

        async def guard(route) -> None:  # type: ignore[no-untyped-def]
            if route.request.url.startswith(origin) or route.request.url.startswith(
                ("data:", "blob:")
            ):
                await route.continue_()
            else:
                refused.append(route.request.url)
                await route.abort()

        await context.route("**/*", guard)
        bodies: list[bytes] = []
        context.on("request", lambda r: r.post_data_buffer and bodies.append(r.post_data_buffer))
        page = await context.new_page()
        await page.goto(router.url + "/demo/demo.html")
        await check_demo.wait_ready(page, 180_000)
        facts = page.locator("#key-facts")
        assert await facts.get_attribute("data-extractable") == "false"
        assert "refused" in await page.text_content("[data-field=key-export-pkcs8]")
        assert "refused" in await page.text_content("[data-field=key-export-jwk]")
        prompt = "Name the capital city of France, please."
        _, answer, error = await check_demo.ask(page, prompt, 180_000)
        assert error == "" and answer
        assert (
            await page.get_attribute(
                ".wire-entry[data-path='/v1/chat/secure_completion']", "data-prompt-in-body"
            )
            == "false"
        )
        assert bodies and all(prompt.encode() not in body for body in bodies)
        storage = await page.evaluate(
            """async () => ({
                local: localStorage.length, session: sessionStorage.length, cookie: document.cookie,
                idb: (await indexedDB.databases()).length,
                caches: (await caches.keys()).length })"""
        )
        assert storage == {"local": 0, "session": 0, "cookie": "", "idb": 0, "caches": 0}
        assert await context.cookies() == []
    assert refused == []


@pytest.mark.parametrize("page_name", ["pyscript.html", "pyscript-worker.html"])
async def test_pyscript_snippet_answers(router: RouterProcess, page_name: str) -> None:
    outside: list[str] = []
    async with chromium() as browser:
        context = await browser.new_context()
        context.on(
            "request",
            lambda r: r.url.startswith((router.url, "data:", "blob:")) or outside.append(r.url),
        )
        page = await context.new_page()
        await page.goto(f"{router.url}/demo/{page_name}")
        await page.wait_for_selector("#answer:not([data-state=running])", timeout=180_000)
        assert await page.get_attribute("#answer", "data-state") == "done"
        assert (await page.text_content("#answer") or "").strip()
        await page.screenshot(path=str(OUT / f"{Path(page_name).stem}.png"))
    assert outside == []

"""web/openai.html end to end in Debian Chromium: the official OpenAI SDK in Pyodide, over
nomyo_web's transports, against a real router (the stub upstream echoes the question).

Pyodide, nomyo-web, openai and its dependencies come from the router (micropip, local
lock); every request off the router's origin is aborted and fails the test, and no
request body carries the question."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import BUILD_PYODIDE, REPO_ROOT, allow_only, chromium
from tests.support.router import RouterProcess, demo_web_flags, start_router
from tests.support.stub_upstream import StubUpstream

OUT = REPO_ROOT / "test-output" / "browser"
QUESTION = "which city is the capital of France, secretly"
TIMEOUT_MS = 180_000

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None or not (BUILD_PYODIDE / "pyodide-lock.json").exists(),
    reason="needs Debian chromium and build/pyodide (python web/build.py)",
)


@pytest.fixture(scope="module")
def router() -> Iterator[tuple[RouterProcess, StubUpstream]]:
    with (
        StubUpstream() as stub,
        start_router(*demo_web_flags(), "--upstream", stub.url) as process,
    ):
        yield process, stub


async def _ask(page: Any, stream: bool, blocking: bool) -> tuple[str, str, dict[str, Any]]:
    await page.fill("#question", QUESTION)
    await page.set_checked("#stream", stream)
    await page.set_checked("#blocking", blocking)
    await page.click("#send")
    await page.wait_for_selector("#answer:not([data-state=running])", timeout=TIMEOUT_MS)
    state = await page.get_attribute("#answer", "data-state") or ""
    text = (await page.text_content("#answer") or "").strip()
    facts = json.loads(await page.text_content("#facts") or "{}")
    return state, text, facts


async def test_the_openai_sdk_page_answers_sealed_streamed_and_blocking(
    router: tuple[RouterProcess, StubUpstream],
) -> None:
    process, stub = router
    origin = process.url
    bodies: list[bytes] = []
    paths: list[str] = []
    async with chromium() as browser:
        context = await browser.new_context()

        refused = await allow_only(context, origin)
        context.on("request", lambda r: paths.append(r.url.removeprefix(origin)))
        context.on("request", lambda r: r.post_data_buffer and bodies.append(r.post_data_buffer))
        page = await context.new_page()
        await page.goto(origin + "/demo/openai.html")
        await page.wait_for_selector("#answer[data-state=idle]", timeout=TIMEOUT_MS)
        assert not await page.is_disabled("#send")

        state, text, facts = await _ask(page, stream=True, blocking=False)
        assert (state, text) == ("done", QUESTION)
        assert facts["type"] == "ChatCompletionChunk" and facts["chunks"] >= 2
        assert (facts["client"], facts["finish_reason"]) == ("AsyncOpenAI", "stop")

        state, text, facts = await _ask(page, stream=False, blocking=True)
        assert (state, text) == ("done", QUESTION)
        assert (facts["type"], facts["client"]) == ("ChatCompletion", "OpenAI")
        assert facts["_metadata"]["is_encrypted"] is True
        await page.screenshot(path=str(OUT / "openai.png"))
    assert refused == []
    assert bodies and all(QUESTION.encode() not in body for body in bodies)
    assert stub.calls == 2 and all(QUESTION in str(r["messages"]) for r in stub.requests)
    wheels = {path.rsplit("/", 1)[-1].split("-")[0] for path in paths if path.endswith(".whl")}
    assert {"openai", "pydantic_core", "jiter", "httpx2", "nomyo_web"} <= wheels

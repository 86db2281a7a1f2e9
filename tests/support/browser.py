"""Browser-side test helpers: a loopback static file server and Debian Chromium via Playwright.

    with StaticServer({"/pyodide/": BUILD_PYODIDE, "/": Path("tests/pyodide")}) as server:
        server.url                    # http://127.0.0.1:PORT (the page origin)
        server.requests               # every path it was asked for, in order

    async with chromium() as browser:         # Debian's chromium, never `playwright install`
        context = await browser.new_context()
        watch_network(context, log)           # log collects every URL the pages request
        check_loopback_only(log)              # AssertionError naming any non-loopback request

``StaticServer`` and ``is_loopback`` are the nomyo-router pytest plugin's
(``nomyo_router.testing``), which users' tests get too.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from nomyo_router.testing.network import is_loopback
from nomyo_router.testing.runtimes import QUIET_CHROMIUM_FLAGS
from nomyo_router.testing.static import StaticServer

__all__ = [
    "BUILD_PYODIDE",
    "CHROMIUM_ARGS",
    "REPO_ROOT",
    "StaticServer",
    "allow_only",
    "check_loopback_only",
    "chromium",
    "is_loopback",
    "pyodide_page_missing",
    "watch_network",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_PYODIDE = REPO_ROOT / "build" / "pyodide"
CHROMIUM_ARGS = ["--no-sandbox", *QUIET_CHROMIUM_FLAGS]


def pyodide_page_missing() -> str | None:
    """Why a Pyodide page cannot run here (no chromium, no build/pyodide), or None."""
    if shutil.which("chromium") is None:
        return "Debian chromium is not installed"
    if not (BUILD_PYODIDE / "pyodide.mjs").is_file() or not list(
        BUILD_PYODIDE.glob("nomyo_web-*.whl")
    ):
        return "build/pyodide is not built (python web/build.py)"
    return None


def check_loopback_only(urls: list[str]) -> None:
    """Raise AssertionError listing every URL in ``urls`` that is not loopback."""
    outside = [url for url in urls if not is_loopback(url)]
    assert not outside, f"requests left loopback: {outside}"


async def allow_only(context: Any, origin: str) -> list[str]:
    """Abort every request of ``context`` not to ``origin`` (or data:/blob:); returns the
    list the aborted URLs are appended to, for the test to assert empty."""
    refused: list[str] = []

    async def guard(route: Any) -> None:
        if route.request.url.startswith((origin + "/", "data:", "blob:")):
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort()

    await context.route("**/*", guard)
    return refused


def watch_network(context: Any, log: list[str]) -> None:
    """Append the URL of every request any page (or worker) of ``context`` makes to ``log``."""
    context.on("request", lambda request: log.append(request.url))


@contextlib.asynccontextmanager
async def chromium(headless: bool = True) -> AsyncIterator[Any]:
    """Debian's chromium under async Playwright, with background networking off."""
    from playwright.async_api import async_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("Debian's chromium is not installed (apt-get install chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, headless=headless, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()

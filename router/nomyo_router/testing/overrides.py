"""Fixtures that replace pytest-pyodide's own, registered after it so they win.

``playwright_browsers``: with ``--runner playwright``, launch the system's Chromium
(``executable_path``) instead of asking for ``playwright install``; session-wide,
so one browser serves every module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .pyodide_setup import chromium_path
from .runtimes import CHROMIUM_FLAGS


@pytest.fixture(scope="session")
def playwright_browsers(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    if request.config.option.runner.lower() != "playwright":
        yield {}
        return
    from playwright.sync_api import sync_playwright

    if "chrome" not in getattr(pytest, "pyodide_runtimes", set()):
        yield {}
        return
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=["--no-sandbox", *CHROMIUM_FLAGS]
        )
        try:
            yield {"chrome": browser}
        finally:
            browser.close()

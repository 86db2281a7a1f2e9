"""A plain Playwright page for a test: headless Chromium, a loopback site, the network check.

``site_mounts(config, dist)``: what the session's page server serves: the offline
Pyodide distribution at ``/pyodide/`` (nomyo-web loads by name from its lock:
``loadPackage("nomyo-web")``, or ``packages = ["nomyo-web"]`` in a PyScript
config), the folder ``nomyo_site`` at ``/``, and each ``nomyo_site_mounts`` line
``/prefix/=folder``. ``launch_chromium()`` starts the system's Chromium through
Playwright's sync API (as pytest-playwright does), never a downloaded browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .pyodide_setup import chromium_path
from .runtimes import QUIET_CHROMIUM_FLAGS

__all__ = ["NO_CHROMIUM", "add_page_options", "launch_chromium", "site_mounts"]

NO_CHROMIUM = (
    "nomyo_page needs Chromium: apt-get install chromium (or set NOMYO_CHROMIUM to a Chrome binary)"
)


def add_page_options(parser: pytest.Parser) -> None:
    parser.addini("nomyo_site", "the folder nomyo_site serves at / (your page)", default="")
    parser.addini(
        "nomyo_site_mounts",
        "more folders for nomyo_site, one '/prefix/=folder' a line",
        type="linelist",
        default=[],
    )


def _folder(config: pytest.Config, value: str) -> Path:
    path = Path(value)
    path = path if path.is_absolute() else Path(config.rootpath, path)
    if not path.is_dir():
        raise pytest.UsageError(f"nomyo: {value} (in nomyo_site or nomyo_site_mounts) is no folder")
    return path


def site_mounts(config: pytest.Config, dist: Path) -> dict[str, Path]:
    mounts = {"/pyodide/": dist}
    for line in config.getini("nomyo_site_mounts"):
        prefix, separator, folder = line.partition("=")
        if not separator or not prefix.startswith("/") or not prefix.endswith("/"):
            raise pytest.UsageError(f"nomyo_site_mounts: '{line}' is not '/prefix/=folder'")
        mounts[prefix] = _folder(config, folder)
    site = config.getini("nomyo_site")
    if site:
        mounts["/"] = _folder(config, site)
    return mounts


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """A headless Chromium (Playwright, sync API) from ``chromium_path()``."""
    executable = chromium_path()
    if executable is None:
        raise RuntimeError(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox", *QUIET_CHROMIUM_FLAGS]
        )
        try:
            yield browser
        finally:
            browser.close()

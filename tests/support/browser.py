"""Browser-side test helpers: a loopback static file server and Debian Chromium via Playwright.

    with StaticServer({"/pyodide/": BUILD_PYODIDE, "/": Path("tests/pyodide")}) as server:
        server.url                    # http://127.0.0.1:PORT (the page origin)
        server.requests               # every path it was asked for, in order

    async with chromium() as browser:         # Debian's chromium, never `playwright install`
        context = await browser.new_context()
        watch_network(context, log)           # log collects every URL the pages request
        check_loopback_only(log)              # AssertionError naming any non-loopback request

The server sends ``.wasm`` as ``application/wasm`` and ``.mjs`` as
``text/javascript`` (Pyodide needs both), ``Cache-Control: no-store`` and no
CORS headers. It serves only the directories it was given.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import AsyncIterator, Mapping
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

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
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_MIME = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".html": "text/html; charset=utf-8",
    ".py": "text/x-python; charset=utf-8",
    ".toml": "text/plain; charset=utf-8",
}
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


class _Handler(SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {**SimpleHTTPRequestHandler.extensions_map, **_MIME}

    def __init__(self, *args: Any, server_ref: StaticServer, **kwargs: Any) -> None:
        self._server_ref = server_ref
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        clean = unquote(urlsplit(path).path)
        for prefix, root in self._server_ref.mounts:
            if clean.startswith(prefix):
                relative = Path(clean[len(prefix) :])
                target = (root / relative).resolve()
                if target == root or root in target.parents:
                    return str(target)
        return str(self._server_ref.mounts[-1][1] / "__missing__")

    def list_directory(self, path: Any) -> None:
        self.send_error(404)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_head(self) -> Any:
        self._server_ref.record(self.path)
        return super().send_head()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request list is the log."""


class StaticServer:
    """A threaded static server on 127.0.0.1 (port chosen by the OS) over URL-prefix mounts."""

    def __init__(self, mounts: Mapping[str, Path], host: str = "127.0.0.1") -> None:
        # Longest prefix first, so "/pyodide/" wins over "/".
        self.mounts = sorted(
            ((prefix, Path(root).resolve()) for prefix, root in mounts.items()),
            key=lambda item: -len(item[0]),
        )
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, 0), partial(_Handler, server_ref=self))
        self._httpd.daemon_threads = True
        self.url = f"http://{host}:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def record(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def __enter__(self) -> StaticServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def pyodide_page_missing() -> str | None:
    """Why a Pyodide page cannot run here (no chromium, no build/pyodide), or None."""
    if shutil.which("chromium") is None:
        return "Debian chromium is not installed"
    if not (BUILD_PYODIDE / "pyodide.mjs").is_file() or not list(
        BUILD_PYODIDE.glob("nomyo_web-*.whl")
    ):
        return "build/pyodide is not built (python web/build.py)"
    return None


def is_loopback(url: str) -> bool:
    """True for http(s) URLs on a loopback host and for data:/blob: URLs (which never leave)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in _LOOPBACK_HOSTS


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

"""The demo server's ``/demo`` app (devtools/static.py) with ``--web`` and ``--web-pyodide``.

Mounted exactly as the demo server mounts it; traversal attempts go in as raw ASGI
scopes, so no HTTP client gets the chance to normalise the path first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from devtools.static import static_app
from tests.support.browser import BUILD_PYODIDE, REPO_ROOT

WEB = REPO_ROOT / "web"
needs_pyodide = pytest.mark.skipif(
    not (BUILD_PYODIDE / "pyodide.asm.wasm").exists(),
    reason="build/pyodide is absent (.venv/bin/python web/build.py builds it)",
)


def _mounted(web_root: Path) -> Starlette:
    """``web_root`` at /demo/ and this checkout's Pyodide at /demo/pyodide/, as --web-* mount it."""
    return Starlette(routes=[Mount("/demo", app=static_app(web_root, {"pyodide": BUILD_PYODIDE}))])


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(_mounted(WEB)) as test_client:
        yield test_client


@pytest.fixture
def scratch_client(tmp_path: Path) -> Iterator[TestClient]:
    """A web root we control: a page, a dot file, a node_modules file, unknown types."""
    web = tmp_path / "web"
    (web / "node_modules" / "pkg").mkdir(parents=True)
    (web / ".git").mkdir()
    (web / "page.html").write_text("<p>page</p>")
    (web / ".env").write_text("NOMYO_API_KEY=secret")
    (web / ".git" / "config").write_text("[core]")
    (web / "node_modules" / "pkg" / "index.js").write_text("export {}")
    (web / "run.sh").write_text("echo hi")
    (web / "key.pem").write_text("-----BEGIN PRIVATE KEY-----")
    (web / "noextension").write_text("x")
    (tmp_path / "outside.html").write_text("<p>outside</p>")
    with TestClient(_mounted(web)) as test_client:
        yield test_client


def _raw_get(app: Any, raw_path: bytes) -> int:
    """The status ``app`` answers for a GET whose path is exactly ``raw_path`` (decoded once)."""
    from urllib.parse import unquote

    statuses: list[int] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(raw_path.decode()),
        "raw_path": raw_path,
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }

    requested = False

    async def receive() -> dict[str, Any]:
        # The request once, then the client leaves: Starlette 1.x's FileResponse
        # listens for the disconnect while it streams.
        nonlocal requested
        if requested:
            return {"type": "http.disconnect"}
        requested = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    asyncio.run(app(scope, receive, send))
    return statuses[0]


def test_the_demo_page_has_the_strict_headers(client: TestClient) -> None:
    answer = client.get("/demo/demo.html")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy
    assert "'unsafe-eval'" not in policy
    assert "'unsafe-inline'" not in policy
    assert "default-src 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"


def test_a_404_carries_the_same_headers(client: TestClient) -> None:
    answer = client.get("/demo/no-such-page.html")
    assert answer.status_code == 404
    assert "'unsafe-eval'" not in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"


@needs_pyodide
def test_wasm_is_served_as_application_wasm(client: TestClient) -> None:
    answer = client.head("/demo/pyodide/pyodide.asm.wasm")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/wasm"


@needs_pyodide
def test_mjs_is_served_as_javascript(client: TestClient) -> None:
    answer = client.get("/demo/pyodide/pyodide.mjs")
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == "text/javascript"


def test_node_modules_of_the_checkout_are_not_served(client: TestClient) -> None:
    assert (WEB / "node_modules").is_dir() or pytest.skip("web/node_modules absent (npm ci)")
    assert client.get("/demo/node_modules/pyodide/package.json").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/demo/.env",
        "/demo/.git/config",
        "/demo/node_modules/pkg/index.js",
        "/demo/run.sh",
        "/demo/key.pem",
        "/demo/noextension",
    ],
)
def test_hidden_and_unknown_files_are_404(scratch_client: TestClient, path: str) -> None:
    assert scratch_client.get("/demo/page.html").status_code == 200
    assert scratch_client.get(path).status_code == 404


@pytest.mark.parametrize(
    "raw_path",
    [
        b"/demo/../outside.html",
        b"/demo/%2e%2e/outside.html",
        b"/demo/%2E%2E/outside.html",
        b"/demo/..%2foutside.html",
        b"/demo/pyodide/../../outside.html",
        b"/demo/%2e%2e%2f%2e%2e%2foutside.html",
    ],
)
def test_path_traversal_is_404(scratch_client: TestClient, raw_path: bytes) -> None:
    app = scratch_client.app
    assert _raw_get(app, b"/demo/page.html") == 200
    assert _raw_get(app, raw_path) == 404


def test_only_get_and_head(client: TestClient) -> None:
    assert client.post("/demo/demo.html").status_code in (404, 405)

"""What the demo server's ``--web DIR`` and ``--web-*`` mounts serve, on a real process.

A flag that names a folder serves that folder and nothing else: files planted
beside it (where the checkout keeps its builds) are 404, and each extra folder
is served only when its own flag names it. Traversal attempts go out on raw
sockets, so no client library normalises the path first.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.router import DEMO_SERVER, RouterProcess, run_router, start_router
from tests.support.stub_upstream import StubUpstream

SECRET = "planted-secret"
UNUSED = "http://127.0.0.1:9"  # an upstream never asked: these routers do not start


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """A checkout-like tree: pages in web/, builds beside it, secrets planted everywhere."""
    files = {
        "web/page.html": "<p>page</p>",
        "web/node_modules/@pyscript/core/dist/core.js": SECRET,
        "dist/secret.whl": SECRET,
        "build/pyodide/secret.js": SECRET,
        "build/jupyterlite/secret.html": SECRET,
        "wheels/ok.whl": "wheel",
        "wheels-beside/secret.whl": SECRET,
        "secret.html": SECRET,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def _raw_status(url: str, raw_path: bytes) -> int:
    """The status for a GET whose request target is exactly ``raw_path``."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"GET " + raw_path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert SECRET.encode() not in received
    return int(received.split(b" ", 2)[1])


@pytest.fixture
def web_only(layout: Path, stub_upstream_server: StubUpstream) -> Iterator[RouterProcess]:
    flags = ("--upstream", stub_upstream_server.url, "--web", str(layout / "web"))
    with start_router(*flags, module=DEMO_SERVER) as r:
        yield r


@pytest.mark.parametrize(
    "path",
    [
        "/demo/wheels/secret.whl",
        "/demo/pyodide/secret.js",
        "/demo/lite/secret.html",
        "/demo/pyscript/core.js",
    ],
)
def test_web_serves_nothing_beside_its_folder(web_only: RouterProcess, path: str) -> None:
    assert httpx.get(web_only.url + "/demo/page.html").status_code == 200
    answer = httpx.get(web_only.url + path)
    assert answer.status_code == 404
    assert SECRET not in answer.text


@pytest.fixture
def with_wheels(layout: Path, stub_upstream_server: StubUpstream) -> Iterator[RouterProcess]:
    with start_router(
        "--upstream",
        stub_upstream_server.url,
        "--web",
        str(layout / "web"),
        "--web-wheels",
        str(layout / "wheels"),
        module=DEMO_SERVER,
    ) as router:
        yield router


def test_an_explicit_mount_serves_its_folder_and_only_that(with_wheels: RouterProcess) -> None:
    answer = httpx.get(with_wheels.url + "/demo/wheels/ok.whl")
    assert (answer.status_code, answer.text) == (200, "wheel")
    assert answer.headers["content-type"] == "application/zip"
    for path in ("/demo/pyodide/secret.js", "/demo/lite/secret.html", "/demo/pyscript/core.js"):
        assert httpx.get(with_wheels.url + path).status_code == 404


@pytest.mark.parametrize(
    "raw_path",
    [
        b"/demo/wheels/../../secret.html",
        b"/demo/wheels/%2e%2e/wheels-beside/secret.whl",
        b"/demo/wheels/..%2f..%2fsecret.html",
        b"/demo/wheels/%2E%2E%2F%2E%2E%2Fsecret.html",
        b"/demo/wheels/..%5c..%5csecret.html",
        b"/demo/%2e%2e/secret.html",
        b"/demo/%2e%2e/dist/secret.whl",
        b"/demo/..%2fbuild%2fpyodide%2fsecret.js",
        b"/demo/wheels/%2e%2e%2f%2e%2e%2fbuild/pyodide/secret.js",
    ],
)
def test_traversal_stays_inside_the_mounts(with_wheels: RouterProcess, raw_path: bytes) -> None:
    assert _raw_status(with_wheels.url, b"/demo/wheels/ok.whl") == 200
    assert _raw_status(with_wheels.url, raw_path) == 404


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--web-wheels", "wheels"], "the following arguments are required: --web"),
        (["--web", "web", "--web-lite", "missing"], "--web-lite: not a directory"),
        (["--web", "missing"], "--web: not a directory"),
    ],
)
def test_mount_flags_are_checked_at_start(layout: Path, flags: list[str], message: str) -> None:
    paths = [str(layout / flag) if not flag.startswith("--") else flag for flag in flags]
    result = run_router("--port", "0", "--upstream", UNUSED, *paths, module=DEMO_SERVER)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_help_says_exactly_what_is_served() -> None:
    text = " ".join(run_router("--help", module=DEMO_SERVER).stdout.split())
    assert "serve the files in DIR at /demo/ and nothing outside DIR" in text
    for name in ("pyodide", "pyscript", "wheels", "lite"):
        assert f"--web-{name} DIR serve DIR at /demo/{name}/" in text


def test_the_router_itself_serves_no_files() -> None:
    """Pages are the demo server's business: ``nomyo-router`` has no --web flag at all."""
    result = run_router("--port", "0", "--upstream", UNUSED, "--web", "web")
    assert result.returncode == 2
    assert "unrecognized arguments: --web web" in result.stderr
    assert "--web" not in run_router("--help").stdout

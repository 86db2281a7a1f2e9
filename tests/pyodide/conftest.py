"""Fixtures for running the shared cases on CPython, in Pyodide under Node.js and in Chromium.

* ``pyodide_dist`` — build/pyodide/, (re)built by web/build.py once per session.
* ``page_server`` — a ``tests.support.browser.StaticServer`` on 127.0.0.1 serving
  build/pyodide/ at ``/pyodide/`` and this folder (``harness.html``) at ``/``.
* ``runtime`` — parametrised ``cpython`` / ``node`` / ``chromium``: one interpreter
  per runtime for the whole session (tests are grouped by it), with nomyo-web
  installed by micropip. ``await runtime.call("module:function", **kwargs)``.
* ``cors_router`` — a router process in front of ``stub_upstream_server`` that allows
  ``page_server``'s origin (CORS), so the Chromium page may call it.
* ``mitm_front`` — the client suite's MITM proxy (with CORS for the page) in front of it.
* ``auth_router`` — a CORS router that wants the API key ``GOOD_KEY`` and allows only
  ``allowed-model`` in the ``maximum`` tier.

Every async test here must run in the session's loop: modules set
``pytestmark = pytest.mark.asyncio(loop_scope="session")``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.pyodide.cors_mitm import CorsMitm
from tests.pyodide.runtimes import ChromiumPyodide, CPythonRuntime, NodePyodide
from tests.support.browser import (
    BUILD_PYODIDE,
    REPO_ROOT,
    StaticServer,
    check_loopback_only,
    chromium,
)
from tests.support.router import RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream

HERE = Path(__file__).resolve().parent
RUNTIMES = os.environ.get("NOMYO_PYODIDE_RUNTIMES", "cpython,node,chromium").split(",")
GOOD_KEY = "good-key-for-pyodide"


@pytest.fixture(scope="session")
def pyodide_dist() -> Path:
    subprocess.run([sys.executable, str(REPO_ROOT / "web" / "build.py")], check=True)
    return BUILD_PYODIDE


@pytest.fixture(scope="session")
def page_server(pyodide_dist: Path) -> Iterator[StaticServer]:
    with StaticServer({"/pyodide/": pyodide_dist, "/": HERE}) as server:
        yield server


@pytest_asyncio.fixture(scope="session", loop_scope="session", params=RUNTIMES)
async def runtime(request: pytest.FixtureRequest, page_server: StaticServer) -> AsyncIterator[Any]:
    async with contextlib.AsyncExitStack() as stack:
        if request.param == "cpython":
            started: Any = CPythonRuntime()
        elif request.param == "node":
            started = await NodePyodide.start(BUILD_PYODIDE)
        else:
            launched = await stack.enter_async_context(chromium())
            started = await ChromiumPyodide.start(launched, page_server.url)
        stack.push_async_callback(started.close)
        yield started
        check_loopback_only(await started.network())


@pytest.fixture(scope="session")
def cors_router(
    stub_upstream_server: StubUpstream, server_key_file: Path, page_server: StaticServer
) -> Iterator[RouterProcess]:
    with start_router(
        "--upstream",
        stub_upstream_server.url,
        "--key-file",
        str(server_key_file),
        "--cors-origin",
        page_server.url,
    ) as process:
        yield process


@pytest.fixture(scope="session")
def mitm_front(cors_router: RouterProcess, page_server: StaticServer) -> Iterator[CorsMitm]:
    proxy = CorsMitm(cors_router.url, page_server.url)
    yield proxy
    proxy.close()


@pytest.fixture(scope="session")
def auth_router(
    stub_upstream_server: StubUpstream, server_key_file: Path, page_server: StaticServer
) -> Iterator[RouterProcess]:
    with start_router(
        *("--upstream", stub_upstream_server.url, "--key-file", str(server_key_file)),
        *("--api-key", GOOD_KEY, "--tier-models", "maximum=allowed-model"),
        *("--cors-origin", page_server.url),
    ) as process:
        yield process

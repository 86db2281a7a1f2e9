"""Fixtures for running the shared cases on CPython and, through pytest-pyodide, in Pyodide
under Node.js (``node``) and in Chromium (``chrome``).

* ``interpreter`` — one per interpreter for the whole session (tests are grouped by
  it): ``cpython`` and every runtime of ``--runtime`` (default ``node,chrome``, set in
  pyproject.toml). ``interpreter.call("module:function", **kwargs)`` runs a case of
  ``cases/``; ``interpreter.name``; ``interpreter.network()``. At the end of the
  session every URL a Pyodide runtime asked for must have been loopback.
* ``page_origin`` — the origin pytest-pyodide serves its pages from (the offline
  distribution the plugin built: ``nomyo_pyodide`` in pyproject.toml); the routers
  and proxies here allow it (CORS), so the Chromium page may call them.
* ``cors_router`` — a router process in front of ``stub_upstream_server`` that allows
  ``page_origin``.
* ``mitm_front`` — the client suite's MITM proxy (with CORS for the page) in front of it.
* ``auth_router`` — a CORS router that wants the API key ``GOOD_KEY`` and allows only
  ``allowed-model`` in the ``maximum`` tier.
* ``pyodide_dist`` — build/pyodide/, (re)built by web/build.py once per session (the
  distribution the pages load, with the OpenAI SDK's pinned wheels).

Run one runtime only with ``--runtime node`` (or ``chrome``); CPython always runs.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nomyo_router.testing.network import check_loopback_only
from tests.pyodide.cors_mitm import CorsMitm
from tests.pyodide.interpreters import open_interpreter
from tests.support.browser import BUILD_PYODIDE, REPO_ROOT
from tests.support.router import RouterProcess, start_router
from tests.support.stub_upstream import StubUpstream

GOOD_KEY = "good-key-for-pyodide"


# Fixtures that are one interpreter per runtime, and how long each one lives.
PER_RUNTIME = {"interpreter": "session", "sdk": "module"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    names = ["cpython", *sorted(getattr(pytest, "pyodide_runtimes", ()))]
    for fixture, scope in PER_RUNTIME.items():
        if fixture in metafunc.fixturenames:
            metafunc.parametrize(fixture, names, indirect=True, scope=scope)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def interpreter(
    request: pytest.FixtureRequest,
    nomyo_pyodide_dist: Path,
    web_server_main: Any,
    playwright_browsers: Any,
) -> Iterator[Any]:
    with open_interpreter(request.param, request, web_server_main, playwright_browsers) as made:
        yield made
        check_loopback_only(made.network(), f"the {made.name} runtime")


@pytest.fixture(scope="session")
def page_origin(web_server_main: Any) -> str:
    hostname, port, _ = web_server_main
    return f"http://{hostname}:{port}"


@pytest.fixture(scope="session")
def cors_router(
    stub_upstream_server: StubUpstream, server_key_file: Path, page_origin: str
) -> Iterator[RouterProcess]:
    with start_router(
        *("--upstream", stub_upstream_server.url, "--key-file", str(server_key_file)),
        *("--cors-origin", page_origin),
    ) as process:
        yield process


@pytest.fixture(scope="session")
def mitm_front(cors_router: RouterProcess, page_origin: str) -> Iterator[CorsMitm]:
    proxy = CorsMitm(cors_router.url, page_origin)
    yield proxy
    proxy.close()


@pytest.fixture(scope="session")
def auth_router(
    stub_upstream_server: StubUpstream, server_key_file: Path, page_origin: str
) -> Iterator[RouterProcess]:
    with start_router(
        *("--upstream", stub_upstream_server.url, "--key-file", str(server_key_file)),
        *("--api-key", GOOD_KEY, "--tier-models", "maximum=allowed-model"),
        *("--cors-origin", page_origin),
    ) as process:
        yield process


@pytest.fixture(scope="session")
def pyodide_dist() -> Path:
    subprocess.run([sys.executable, str(REPO_ROOT / "web" / "build.py")], check=True)
    return BUILD_PYODIDE

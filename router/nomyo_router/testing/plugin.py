"""The pytest plugin of nomyo-router (entry point ``pytest11: nomyo_router``).

Fixtures (the README's "Testing your page" shows them in use):

* ``nomyo_server`` (function): a real router process on loopback with a scripted,
  deterministic engine (``server.NomyoServer``): ``answer(...)``, ``base_url``,
  ``api_key``, ``fingerprint``, ``requests``. Process, key and engine serve the
  session; every test gets a fresh script and record. Loopback page origins may call it.
* ``nomyo_pyodide_dist`` (session): the offline Pyodide distribution with nomyo-web
  (needs ``nomyo_pyodide``: the folder of a Pyodide core).
* ``selenium_nomyo`` (function): pytest-pyodide's ``selenium`` with nomyo-web loaded,
  for ``run_in_pyodide`` tests; the loopback-only network check after the test.
* ``nomyo_site`` (session): a loopback static server: the distribution at
  ``/pyodide/``, the folder ``nomyo_site`` at ``/``, ``nomyo_site_mounts`` besides.
* ``nomyo_page`` (function): a Playwright page (sync API) in the system's headless
  Chromium; after the test every request it made must have been loopback.

Options: ``--nomyo-pyodide DIR`` / ini ``nomyo_pyodide``, ini ``nomyo_pyodide_packages``,
``nomyo_pyodide_wheels``, ``nomyo_site``, ``nomyo_site_mounts``, ``--nomyo-port N`` /
ini ``nomyo_port`` (the server's fixed port; default any free one), ini
``nomyo_server_key`` (a PEM key file to use, created when absent; default a new
RSA-4096 key per session).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from . import overrides
from .network import check_loopback_only
from .page import NO_CHROMIUM, add_page_options, launch_chromium, site_mounts
from .pyodide_setup import (
    DIST_KEY,
    add_options,
    build_session_dist,
    chromium_path,
    remove_session_dist,
)
from .runtimes import network, prepare
from .server import NomyoServer, RouterSession, ServerFixtureError, view_for_test
from .static import StaticServer

FUNCTION_SCOPED = ("nomyo_server", "nomyo_page", "selenium_nomyo")


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)
    add_page_options(parser)
    group = parser.getgroup("nomyo")
    group.addoption(
        "--nomyo-port", dest="nomyo_port", type=int, metavar="N", help="port of nomyo_server"
    )
    parser.addini("nomyo_port", "the port of nomyo_server (0: any free one)", default="0")
    parser.addini(
        "nomyo_server_key", "a PEM key file for nomyo_server (created when absent)", default=""
    )


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    build_session_dist(config)
    if config.pluginmanager.hasplugin("pytest_pyodide"):
        config.pluginmanager.register(overrides, "nomyo_router.testing.overrides")


def pytest_unconfigure(config: pytest.Config) -> None:
    remove_session_dist(config)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Say in one line what to change when a broader fixture asks for a per-test one."""
    report = yield
    error = call.excinfo.value if call.excinfo is not None else None
    if report.when == "setup" and isinstance(error, pytest.fail.Exception):
        report.longrepr = _scope_advice(str(error)) or report.longrepr
    return report


def _scope_advice(message: str) -> str | None:
    """Our one line for pytest's ScopeMismatch about one of our per-test fixtures."""
    found = re.match(r"ScopeMismatch: .* scoped fixture (\w+) with a (\w+) scoped", message)
    if found is None or found.group(1) not in FUNCTION_SCOPED:
        return None
    requester = re.search(r"def (\w+)\(", message.split("Requesting fixture stack:", 1)[-1])
    where = f" '{requester.group(1)}'" if requester else ""
    return (
        f"nomyo: {found.group(1)} is function-scoped (fresh for each test): request it in the "
        f"test or in a function-scoped fixture, not in the {found.group(2)}-scoped fixture{where}"
    )


@pytest.fixture(scope="session")
def nomyo_server_key_file(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The server's PEM key file: ini ``nomyo_server_key``, else a new RSA-4096 key for the
    session. Override this fixture to share a key your suite already has."""
    named = pytestconfig.getini("nomyo_server_key")
    if named:
        return Path(pytestconfig.rootpath, named)
    return tmp_path_factory.mktemp("nomyo") / "server.pem"


@pytest.fixture(scope="session")
def _nomyo_router(
    pytestconfig: pytest.Config, nomyo_server_key_file: Path
) -> Iterator[RouterSession]:
    port = pytestconfig.getoption("nomyo_port")
    port = int(pytestconfig.getini("nomyo_port")) if port is None else port
    key_file = nomyo_server_key_file
    try:
        session = RouterSession(key_file, port)
    except ServerFixtureError as error:
        problem = str(error)
    else:
        problem = ""
    if problem:
        pytest.fail(problem, pytrace=False)
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def nomyo_server(_nomyo_router: RouterSession) -> Iterator[NomyoServer]:
    with view_for_test(_nomyo_router) as server:
        yield server


@pytest.fixture(scope="session")
def nomyo_pyodide_dist(pytestconfig: pytest.Config) -> Path:
    dist = pytestconfig.stash.get(DIST_KEY, None)
    if dist is None:
        pytest.fail(
            "nomyo: set nomyo_pyodide = <folder of the Pyodide core> in the pytest "
            "configuration (npm install pyodide gives node_modules/pyodide)",
            pytrace=False,
        )
    return dist


@pytest.fixture
def selenium_nomyo(nomyo_pyodide_dist: Path, selenium: Any) -> Iterator[Any]:
    runner = selenium
    if not getattr(runner, "nomyo_prepared", False):
        prepare(runner)
        runner.nomyo_prepared = True
    yield runner
    check_loopback_only(network(runner), f"the {runner.browser} runtime")


@pytest.fixture(scope="session")
def nomyo_site(pytestconfig: pytest.Config, nomyo_pyodide_dist: Path) -> Iterator[StaticServer]:
    with StaticServer(site_mounts(pytestconfig, nomyo_pyodide_dist)) as server:
        yield server


@pytest.fixture(scope="session")
def _nomyo_chromium() -> Iterator[Any]:
    if chromium_path() is None:
        pytest.fail(f"nomyo: {NO_CHROMIUM}", pytrace=False)
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def nomyo_page(_nomyo_chromium: Any, nomyo_site: StaticServer) -> Iterator[Any]:
    context = _nomyo_chromium.new_context()
    seen: list[str] = []
    context.on("request", lambda request: seen.append(request.url))
    try:
        yield context.new_page()
    finally:
        context.close()
    check_loopback_only(seen, "the page")

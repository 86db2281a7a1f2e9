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

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import overrides
from .network import check_loopback_only
from .page import add_page_options, launch_chromium, site_mounts
from .pyodide_setup import DIST_KEY, add_options, build_session_dist, remove_session_dist
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
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> Any:
    """Say in one line what to change when a broader fixture asks for a per-test one."""
    try:
        return (yield)
    except pytest.fail.Exception as error:
        text = str(error)
        name = next((n for n in FUNCTION_SCOPED if f"scoped fixture {n} with" in text), None)
        if not text.startswith("ScopeMismatch") or name is None:
            raise
        pytest.fail(
            f"nomyo: {name} is function-scoped (fresh for each test): request it in the test "
            f"or in a function-scoped fixture, not in the {fixturedef.scope}-scoped fixture "
            f"'{fixturedef.argname}'",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def _nomyo_router(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RouterSession]:
    port = pytestconfig.getoption("nomyo_port")
    port = int(pytestconfig.getini("nomyo_port")) if port is None else port
    named = pytestconfig.getini("nomyo_server_key")
    key_file = (
        Path(pytestconfig.rootpath, named)
        if named
        else tmp_path_factory.mktemp("nomyo") / "server.pem"
    )
    try:
        session = RouterSession(key_file, port)
    except ServerFixtureError as error:
        pytest.fail(str(error), pytrace=False)
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
def selenium_nomyo(request: pytest.FixtureRequest, nomyo_pyodide_dist: Path) -> Iterator[Any]:
    runner = request.getfixturevalue("selenium")
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
    try:
        with launch_chromium() as browser:
            yield browser
    except RuntimeError as error:
        pytest.fail(f"nomyo: {error}", pytrace=False)


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

"""The pytest plugin of nomyo-router (entry point ``pytest11: nomyo_router``).

Fixtures:

* ``nomyo_pyodide_dist`` (session): the offline Pyodide distribution with nomyo-web
  (needs ``nomyo_pyodide`` set; see ``pyodide_setup``).
* ``selenium_nomyo`` (function): pytest-pyodide's ``selenium`` with nomyo-web loaded
  and the loopback-only network check at the end of the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import overrides
from .network import check_loopback_only
from .pyodide_setup import DIST_KEY, add_options, build_session_dist, remove_session_dist
from .runtimes import network, prepare


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    build_session_dist(config)
    if config.pluginmanager.hasplugin("pytest_pyodide"):
        config.pluginmanager.register(overrides, "nomyo_router.testing.overrides")


def pytest_unconfigure(config: pytest.Config) -> None:
    remove_session_dist(config)


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

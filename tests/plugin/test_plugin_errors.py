"""The plugin's own errors are one line that says what to install or change.

Each case is a small project of its own, run by pytest in a child process (the
plugin is loaded there as users get it: through its ``pytest11`` entry point).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.keys import shared_server_key_file
from tests.support.router import REPO_ROOT

CORE = REPO_ROOT / "web" / "node_modules" / "pyodide"
USES_SERVER = "def test_it(nomyo_server):\n    assert nomyo_server.base_url\n"
USES_PAGE = "def test_it(nomyo_page):\n    nomyo_page.goto('about:blank')\n"
WRONG_SCOPE = """
import pytest

@pytest.fixture(scope="module")
def shared_server(nomyo_server):
    return nomyo_server

def test_it(shared_server):
    pass
"""


def run_project(
    folder: Path, test: str, *options: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    (folder / "test_project.py").write_text(test)
    (folder / "pytest.ini").write_text("[pytest]\n")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options]
    key = f"nomyo_server_key={shared_server_key_file()}"
    return subprocess.run(
        [*command, "-o", key],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        check=False,
    )


def error_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    """What pytest showed of the error: the report under "ERROR at setup", or its
    ``ERROR:`` lines when the run could not start."""
    lines = done.stdout.splitlines()
    if any("ERROR at setup" in line for line in lines):
        start = next(i for i, line in enumerate(lines) if "ERROR at setup" in line) + 1
        end = next(i for i in range(start, len(lines)) if lines[i].startswith("=="))
        return lines[start:end]
    return [line for line in done.stderr.splitlines() if line.startswith("ERROR: ")]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def test_a_port_in_use(tmp_path: Path, busy_port: int) -> None:
    done = run_project(tmp_path, USES_SERVER, "--nomyo-port", str(busy_port))
    assert done.returncode == 1
    assert error_lines(done) == [
        f"nomyo_server: port {busy_port} on 127.0.0.1 is in use (Address already in use): "
        "choose another with --nomyo-port, or 0 for any free port"
    ]


def test_a_fixture_in_the_wrong_scope(tmp_path: Path) -> None:
    done = run_project(tmp_path, WRONG_SCOPE)
    assert done.returncode == 1
    assert error_lines(done) == [
        "nomyo: nomyo_server is function-scoped (fresh for each test): request it in the "
        "test or in a function-scoped fixture, not in the module-scoped fixture 'shared_server'"
    ]


def test_no_chromium(tmp_path: Path) -> None:
    done = run_project(
        tmp_path,
        USES_PAGE,
        *("-o", f"nomyo_pyodide={CORE}"),
        env={"NOMYO_CHROMIUM": str(tmp_path / "no-such-chrome")},
    )
    assert done.returncode == 1
    assert error_lines(done) == [
        "nomyo: nomyo_page needs Chromium: apt-get install chromium "
        "(or set NOMYO_CHROMIUM to a Chrome binary)"
    ]


@pytest.mark.parametrize(
    ("runtime", "missing", "message"),
    [
        (
            "node",
            {"PATH": "{tmp}/bin"},
            "ERROR: nomyo: --runtime node needs Node.js 18+ on PATH: install nodejs, "
            "or leave node out of --runtime",
        ),
        (
            "chrome",
            {"NOMYO_CHROMIUM": "{tmp}/no-such-chrome"},
            "ERROR: nomyo: --runtime chrome needs Chromium: apt-get install chromium "
            "chromium-driver (or set NOMYO_CHROMIUM to a Chrome binary)",
        ),
    ],
)
def test_a_runtime_that_cannot_start_here(
    tmp_path: Path, runtime: str, missing: dict[str, str], message: str
) -> None:
    (tmp_path / "bin").mkdir()  # an empty PATH: no node
    env = {name: value.format(tmp=tmp_path) for name, value in missing.items()}
    done = run_project(
        tmp_path, USES_SERVER, "-o", f"nomyo_pyodide={CORE}", "--runtime", runtime, env=env
    )
    assert done.returncode == 4  # pytest's usage error: the run does not start
    assert error_lines(done) == [message]


def test_no_pyodide_configured(tmp_path: Path) -> None:
    done = run_project(tmp_path, USES_PAGE)
    assert done.returncode == 1
    assert error_lines(done) == [
        "nomyo: set nomyo_pyodide = <folder of the Pyodide core> in the pytest "
        "configuration (npm install pyodide gives node_modules/pyodide)"
    ]

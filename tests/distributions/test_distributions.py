"""The two distributions this checkout builds, checked as built wheels and as installs.

``nomyo-web`` (the client) must hold no server code, no console script and no
server dependency, stay pure (``py3-none-any``) and depend on nothing inside
Pyodide; ``nomyo-router`` must hold only ``nomyo_router``, pin ``nomyo-web`` at the
same version and give a ``nomyo-router`` command that runs in a fresh virtual
environment built from the two wheels (its other dependencies come from the
package index, as for any user). That micropip really installs nothing beside the
client wheel is checked in Pyodide itself (tests/pyodide/test_loading.py).
"""

from __future__ import annotations

import ast
import email.parser
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

from nomyo_web import __version__
from tests.support.router import REPO_ROOT, RouterProcess, start_router

SERVER_MODULES = {"nomyo_router", "starlette", "uvicorn", "llama_cpp", "redis"}
SERVER_DISTRIBUTIONS = {"nomyo-router", "starlette", "uvicorn", "llama-cpp-python", "redis"}
CLIENT_WHEEL = f"nomyo_web-{__version__}-py3-none-any.whl"
ROUTER_WHEEL = f"nomyo_router-{__version__}-py3-none-any.whl"
# What micropip sees inside Pyodide: packaging's marker names with Emscripten's values.
PYODIDE_MARKERS = {
    **default_environment(),
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "platform_machine": "wasm32",
    "python_version": "3.14",
    "python_full_version": "3.14.0",
}


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command outside this checkout: no PYTHONPATH, so only installed code is found."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both wheels, built from this checkout by pip (as a release would)."""
    out = tmp_path_factory.mktemp("wheels")
    # Paths, not names: a bare "router" would be looked up on the package index.
    sources = (REPO_ROOT, REPO_ROOT / "router")
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, *sources)
    assert built.returncode == 0, built.stderr
    assert {path.name for path in out.iterdir()} == {CLIENT_WHEEL, ROUTER_WHEEL}
    return out


def _names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def _dist_info(wheel: Path, name: str) -> str | None:
    """The text of ``<dist-info>/name`` in ``wheel``, or None when absent."""
    with zipfile.ZipFile(wheel) as archive:
        found = [item for item in archive.namelist() if item.endswith(f".dist-info/{name}")]
        return archive.read(found[0]).decode() if found else None


def _requirements(wheel: Path) -> list[Requirement]:
    metadata = email.parser.Parser().parsestr(_dist_info(wheel, "METADATA") or "")
    return [Requirement(line) for line in metadata.get_all("Requires-Dist") or []]


def _imported_modules(source: str) -> set[str]:
    """The top-level modules a Python source imports (absolute imports only)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_client_wheel_is_pure_and_holds_only_the_client(wheels: Path) -> None:
    names = _names(wheels / CLIENT_WHEEL)
    assert all(
        name.startswith(("nomyo_web/", f"nomyo_web-{__version__}.dist-info/")) for name in names
    )
    assert not [name for name in names if "router" in name]
    wheel_tags = (_dist_info(wheels / CLIENT_WHEEL, "WHEEL") or "").splitlines()
    assert "Root-Is-Purelib: true" in wheel_tags
    assert "Tag: py3-none-any" in wheel_tags


def test_the_client_wheel_has_no_console_script(wheels: Path) -> None:
    assert _dist_info(wheels / CLIENT_WHEEL, "entry_points.txt") is None


def test_the_client_declares_no_server_dependency_in_any_extra(wheels: Path) -> None:
    requirements = _requirements(wheels / CLIENT_WHEEL)
    assert not {req.name for req in requirements} & SERVER_DISTRIBUTIONS
    always = {req.name for req in requirements if "extra" not in str(req.marker)}
    assert {"cryptography", "httpx"} <= always


def test_inside_pyodide_the_client_needs_nothing(wheels: Path) -> None:
    """What micropip would fetch beside the wheel: every requirement whose marker holds."""
    needed = [
        req
        for req in _requirements(wheels / CLIENT_WHEEL)
        if req.marker is None or req.marker.evaluate({**PYODIDE_MARKERS, "extra": ""})
    ]
    assert needed == []


def test_no_client_module_imports_server_code(wheels: Path) -> None:
    with zipfile.ZipFile(wheels / CLIENT_WHEEL) as archive:
        sources = {n: archive.read(n).decode() for n in archive.namelist() if n.endswith(".py")}
    assert sources
    imports = {name: _imported_modules(text) & SERVER_MODULES for name, text in sources.items()}
    assert {name: found for name, found in imports.items() if found} == {}


def test_the_router_wheel_holds_only_the_router_and_pins_the_client(wheels: Path) -> None:
    names = _names(wheels / ROUTER_WHEEL)
    prefixes = ("nomyo_router/", f"nomyo_router-{__version__}.dist-info/")
    assert all(name.startswith(prefixes) for name in names)  # one copy of the wire code
    assert "nomyo_router/__main__.py" in names
    requirements = {req.name: req for req in _requirements(wheels / ROUTER_WHEEL)}
    assert str(requirements["nomyo-web"].specifier) == f"=={__version__}"
    assert {"starlette", "uvicorn", "llama-cpp-python", "redis"} <= set(requirements)
    assert 'extra == "embedded"' in str(requirements["llama-cpp-python"].marker)
    scripts = _dist_info(wheels / ROUTER_WHEEL, "entry_points.txt") or ""
    assert "nomyo-router = nomyo_router.__main__:main" in scripts


def _venv(root: Path, *wheels: Path) -> Path:
    """A fresh virtual environment with ``wheels`` installed; returns its bin/ folder."""
    made = _run(sys.executable, "-m", "venv", root)
    assert made.returncode == 0, made.stderr
    installed = _run(root / "bin" / "python", "-m", "pip", "install", "-q", *wheels)
    assert installed.returncode == 0, installed.stderr
    return root / "bin"


@pytest.fixture(scope="module")
def client_only(wheels: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _venv(tmp_path_factory.mktemp("client-venv"), wheels / CLIENT_WHEEL)


@pytest.fixture(scope="module")
def with_router(wheels: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("router-venv")
    return _venv(root, wheels / CLIENT_WHEEL, wheels / ROUTER_WHEEL)


def test_the_client_installed_alone_brings_no_server(client_only: Path, tmp_path: Path) -> None:
    assert not (client_only / "nomyo-router").exists()
    probe = (
        "import importlib.util, nomyo_web\n"
        "print(nomyo_web.__file__)\n"
        "print(sorted(m for m in ('nomyo_router', 'starlette', 'uvicorn')"
        " if importlib.util.find_spec(m)))\n"
    )
    done = _run(client_only / "python", "-c", probe, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    where, found = done.stdout.splitlines()
    assert where.startswith(str(client_only.parent)) and found == "[]"


@pytest.fixture
def installed_router(with_router: Path) -> Iterator[RouterProcess]:
    """The installed ``nomyo-router`` command, started outside the checkout."""
    program = [str(with_router / "nomyo-router")]  # outside the checkout, no PYTHONPATH
    with start_router("--upstream", "http://127.0.0.1:9", program=program) as router:
        yield router


def test_the_router_command_runs_from_a_fresh_venv(installed_router: RouterProcess) -> None:
    answer = httpx.get(installed_router.url + "/pki/public_key", timeout=10)
    assert answer.status_code == 200
    assert answer.text.startswith("-----BEGIN PUBLIC KEY-----")
    assert installed_router.stop() == 0


def test_the_installed_router_uses_the_installed_client(with_router: Path, tmp_path: Path) -> None:
    probe = (
        "import nomyo_router, nomyo_web; print(nomyo_router.__file__); print(nomyo_web.__file__)"
    )
    done = _run(with_router / "python", "-c", probe, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    site = str(with_router.parent)
    assert all(line.startswith(site) for line in done.stdout.splitlines())

"""web/build.py's pinned OpenAI-SDK wheel set for Pyodide is whole and says what the wheels say.

For each pinned wheel, the ``Requires-Dist`` of its own metadata, evaluated for
Pyodide 314 (emscripten, Python 3.14, wasm32, no extras), must be exactly the
``depends`` the build writes into the lock; every dependency must be in the set
(so no loader ever looks for a package elsewhere); and ``nomyo-web`` itself
still depends on nothing there.
"""

from __future__ import annotations

import importlib.util
import json
import zipfile
from email.parser import Parser
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.browser import REPO_ROOT

PYODIDE_ENVIRONMENT = {
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "platform_machine": "wasm32",
    "python_version": "3.14",
    "python_full_version": "3.14.2",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "os_name": "posix",
    "extra": "",
}


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pyodide_build", REPO_ROOT / "web" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUILD = _build_script()


def _requirements(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(name).decode())
    wanted = set()
    for line in metadata.get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(PYODIDE_ENVIRONMENT):
            wanted.add(canonicalize_name(requirement.name))
    return wanted


@pytest.fixture(scope="module")
def lock(pyodide_dist: Path) -> dict[str, dict[str, object]]:
    packages: dict[str, dict[str, object]] = json.loads(
        (pyodide_dist / "pyodide-lock.json").read_text()
    )["packages"]
    return packages


@pytest.mark.parametrize("name", sorted(BUILD.OPENAI_WHEELS))
def test_each_pinned_wheels_depends_are_its_own_requirements_inside_pyodide(
    name: str, lock: dict[str, dict[str, object]], pyodide_dist: Path
) -> None:
    pin = BUILD.OPENAI_WHEELS[name]
    entry = lock[name]
    assert (entry["version"], entry["sha256"]) == (pin.version, pin.sha256)
    wheel = pyodide_dist / str(entry["file_name"])
    assert _requirements(wheel) == set(pin.depends)
    assert set(pin.depends) <= set(BUILD.OPENAI_WHEELS)


def test_nomyo_web_alone_still_pulls_nothing(lock: dict[str, dict[str, object]]) -> None:
    assert lock["nomyo-web"]["depends"] == []
    assert set(lock) == {"micropip", "nomyo-web", *BUILD.OPENAI_WHEELS}

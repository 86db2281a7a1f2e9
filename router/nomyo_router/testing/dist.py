"""A Pyodide distribution folder that works offline: a Pyodide core plus local wheels.

    build_dist(core=Path("node_modules/pyodide"), out=Path("dist-dir"),
               wheels=[Path("dist/app-1.0-py3-none-any.whl")], packages=["nomyo-web"])

``out`` gets the core's files (hard links where possible; its lock stays behind),
every wheel (those given, and one repacked from each installed distribution named
in ``packages``) and a ``pyodide-lock.json`` that lists exactly those wheels with
their sha256, their top-level imports and their dependencies among them. The stock lock points every
package at a CDN; this one has nothing a loader could fetch from elsewhere, so
``pyodide.loadPackage("nomyo-web")`` works by name with integrity checks on.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import zipfile
from collections.abc import Iterable
from email.parser import Parser
from pathlib import Path
from typing import Any

from .wheels import repack

__all__ = ["REQUIRED_CORE_FILES", "DistError", "build_dist", "core_missing"]

# What a core folder must hold; every other file of it is carried over too.
REQUIRED_CORE_FILES = ("pyodide.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
# What Pyodide's Python is, for the environment markers of Requires-Dist.
_EMSCRIPTEN = {
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "os_name": "posix",
    "platform_machine": "wasm32",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "extra": "",
}


class DistError(RuntimeError):
    """The distribution cannot be built (no core there, a dependency missing, ...)."""


def core_missing(core: Path) -> str | None:
    """Why ``core`` is not a Pyodide core folder, or None."""
    missing = [name for name in REQUIRED_CORE_FILES if not (core / name).is_file()]
    if missing:
        return f"{core} is not a Pyodide core folder (no {missing[0]})"
    return None


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _wheel_metadata(wheel: Path) -> tuple[dict[str, Any], list[str]]:
    """The wheel's METADATA headers and its top-level import names."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = next(name for name in names if name.endswith(".dist-info/METADATA"))
        headers = Parser().parsestr(archive.read(info).decode("utf-8"))
    tops = {name.split("/")[0] for name in names}
    imports = sorted(
        top.removesuffix(".py")
        for top in tops
        if not top.endswith((".dist-info", ".data")) and (top.endswith(".py") or "." not in top)
    )
    return {
        "name": headers["Name"],
        "version": headers["Version"],
        "requires": headers.get_all("Requires-Dist") or [],
    }, imports


def _dependencies(requires: Iterable[str], python: str) -> list[str]:
    """The distributions a wheel needs inside Pyodide (markers evaluated for emscripten)."""
    from packaging.requirements import Requirement

    environment = {**_EMSCRIPTEN, "python_version": python, "python_full_version": python + ".0"}
    needed = []
    for text in requires:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            needed.append(_canonical(requirement.name))
    return needed


def _place(source: Path, target: Path) -> None:
    """A hard link when the file system allows, else a copy (never a symlink: Node.js
    resolves one and would then read the core's own lock beside the real file)."""
    if target.is_symlink() or target.exists():
        target.unlink()
    try:
        os.link(source.resolve(), target)
    except OSError:
        shutil.copyfile(source, target)


def _lock_entries(wheels: list[Path], python: str) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    requires: dict[str, list[str]] = {}
    for wheel in wheels:
        metadata, imports = _wheel_metadata(wheel)
        name = _canonical(metadata["name"])
        requires[name] = _dependencies(metadata["requires"], python)
        entries[name] = {
            "name": name,
            "version": metadata["version"],
            "file_name": wheel.name,
            "install_dir": "site",
            "sha256": _sha256(wheel),
            "package_type": "package",
            "imports": imports,
            "depends": requires[name],
            "unvendored_tests": False,
        }
    for name, needed in requires.items():
        absent = [dependency for dependency in needed if dependency not in entries]
        if absent:
            raise DistError(
                f"{name} needs {absent[0]} inside Pyodide, which is not in the distribution: "
                f"add its wheel (nomyo_pyodide_wheels) or its name (nomyo_pyodide_packages)"
            )
    return entries


def build_dist(
    core: Path, out: Path, wheels: Iterable[Path] = (), packages: Iterable[str] = ()
) -> Path:
    """Build ``out`` from ``core``, the ``wheels`` and repacked installed ``packages``."""
    problem = core_missing(core)
    if problem:
        raise DistError(problem)
    out.mkdir(parents=True, exist_ok=True)
    for path in core.iterdir():
        if path.is_file() and path.name != "pyodide-lock.json" and path.suffix != ".whl":
            _place(path, out / path.name)
    placed: dict[str, Path] = {}
    for wheel in wheels:
        shutil.copyfile(wheel, out / wheel.name)
        placed[_canonical(wheel.name.split("-")[0])] = out / wheel.name
    for package in packages:
        if _canonical(package) not in placed:
            placed[_canonical(package)] = repack(package, out)
    stock = json.loads((core / "pyodide-lock.json").read_text())
    python = ".".join(stock["info"]["python"].split(".")[:2])
    lock = {"info": stock["info"], "packages": _lock_entries(list(placed.values()), python)}
    (out / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")
    return out

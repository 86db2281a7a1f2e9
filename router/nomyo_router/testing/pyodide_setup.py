"""The plugin's Pyodide side at configure time: options, the offline distribution, checks.

With ``nomyo_pyodide`` set (the folder of a Pyodide core, e.g. ``node_modules/pyodide``)
the plugin builds, once per session, a distribution of that core plus the wheels of
``nomyo-web`` (and of whatever ``nomyo_pyodide_packages`` / ``nomyo_pyodide_wheels``
name) with a rewritten lock. When pytest-pyodide is active, its ``--dist-dir``
then points there, together with pytest's and tblib's wheels so ``run_in_pyodide``
keeps assertion rewriting and tracebacks (unless ``nomyo_pyodide_for_run_in_pyodide =
false``), and its runtimes are checked up front.
"""

from __future__ import annotations

import glob
import shutil
import tempfile
from pathlib import Path

import pytest

from .dist import DistError, build_dist
from .runtimes import configure_pytest_pyodide

__all__ = ["DIST_KEY", "add_options", "build_session_dist", "chromium_path", "remove_session_dist"]

DIST_KEY = pytest.StashKey[Path]()
_TMP_KEY = pytest.StashKey[str]()
# run_in_pyodide loads these into Pyodide when the distribution lists them.
_PYTEST_PYODIDE_PACKAGES = ("pytest", "pluggy", "iniconfig", "pygments", "packaging", "tblib")
_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("nomyo", "nomyo-web test servers and Pyodide (nomyo-router)")
    group.addoption(
        "--nomyo-pyodide",
        dest="nomyo_pyodide",
        metavar="DIR",
        help="the Pyodide core folder (holds pyodide.mjs); enables the Pyodide helpers",
    )
    parser.addini("nomyo_pyodide", "the Pyodide core folder (holds pyodide.mjs)", default="")
    parser.addini(
        "nomyo_pyodide_packages",
        "installed pure distributions to put into Pyodide besides nomyo-web",
        type="linelist",
        default=[],
    )
    parser.addini(
        "nomyo_pyodide_wheels",
        "wheel files (globs) to put into Pyodide",
        type="linelist",
        default=[],
    )
    parser.addini(
        "nomyo_pyodide_for_run_in_pyodide",
        "with pytest-pyodide: add pytest's and tblib's wheels, so run_in_pyodide rewrites "
        "assertions and carries tracebacks (each call then loads them: false for speed)",
        type="bool",
        default=True,
    )


def chromium_path() -> str | None:
    """``NOMYO_CHROMIUM`` or the first Chromium on PATH."""
    import os

    named = os.environ.get("NOMYO_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    return next((path for name in _CHROMIUM_NAMES if (path := shutil.which(name))), None)


def _core(config: pytest.Config) -> Path | None:
    value = config.getoption("nomyo_pyodide") or config.getini("nomyo_pyodide")
    if not value:
        return None
    path = Path(str(value))
    return path if path.is_absolute() else Path(config.rootpath, path)


def _wheels(config: pytest.Config) -> list[Path]:
    found: list[Path] = []
    for pattern in config.getini("nomyo_pyodide_wheels"):
        matches = sorted(glob.glob(str(Path(config.rootpath, pattern))))
        if not matches:
            raise pytest.UsageError(f"nomyo_pyodide_wheels: no wheel matches {pattern}")
        found += [Path(match) for match in matches]
    return found


def _uses_pytest_pyodide(config: pytest.Config) -> bool:
    return hasattr(config.option, "dist_dir") and config.pluginmanager.hasplugin("pytest_pyodide")


def _check_runtimes(config: pytest.Config) -> None:
    """One-line errors for a runtime that cannot start here."""
    runtimes: set[str] = getattr(pytest, "pyodide_runtimes", set())
    if "node" in runtimes and shutil.which("node") is None:
        raise pytest.UsageError(
            "nomyo: --runtime node needs Node.js 18+ on PATH: install nodejs, "
            "or leave node out of --runtime"
        )
    if "chrome" in runtimes:
        if chromium_path() is None:
            raise pytest.UsageError(
                "nomyo: --runtime chrome needs Chromium: apt-get install chromium "
                "chromium-driver (or set NOMYO_CHROMIUM to a Chrome binary)"
            )
        if config.option.runner == "selenium" and shutil.which("chromedriver") is None:
            raise pytest.UsageError(
                "nomyo: --runtime chrome with Selenium needs chromedriver: apt-get install "
                "chromium-driver (or set SE_CHROMEDRIVER), or use --runner playwright"
            )


def build_session_dist(config: pytest.Config) -> None:
    """Build the distribution when ``nomyo_pyodide`` is set; point pytest-pyodide at it."""
    core = _core(config)
    if core is None:
        return
    packages = ["nomyo-web", *config.getini("nomyo_pyodide_packages")]
    with_pytest_pyodide = _uses_pytest_pyodide(config)
    if with_pytest_pyodide and config.getini("nomyo_pyodide_for_run_in_pyodide"):
        packages += _PYTEST_PYODIDE_PACKAGES
    out = tempfile.mkdtemp(prefix="nomyo-pyodide-")
    config.stash[_TMP_KEY] = out
    try:
        dist = build_dist(core, Path(out), wheels=_wheels(config), packages=packages)
    except DistError as error:
        raise pytest.UsageError(f"nomyo: {error}") from None
    config.stash[DIST_KEY] = dist
    if with_pytest_pyodide:
        config.option.dist_dir = dist
        pytest.pyodide_dist_dir = dist  # type: ignore[attr-defined]
        configure_pytest_pyodide()
        _check_runtimes(config)


def remove_session_dist(config: pytest.Config) -> None:
    out = config.stash.get(_TMP_KEY, None)
    if out:
        shutil.rmtree(out, ignore_errors=True)

"""Fresh virtual environments built with pip from the package registry, for tests that need
another set of installed packages than this suite's own .venv.

    python = build_env(path, ["nomyo==0.2.9"])          # a new venv, then pip install
    before = installed(python)                           # {normalised name: version}
    pip_install(python, [f"{wheel}[openai]"])
    downgrades(before, installed(python))                # [] when nothing went down
    pip_check(python)                                    # "" when every requirement holds

``openai_sdk_env()`` is the one the OpenAI-SDK tests run in: the newest ``openai``,
``httpx2`` and ``cryptography`` with this checkout's ``nomyo-web[openai]`` (and mypy,
to type-check ``nomyo_web.openai`` against the real stubs; psutil for the benchmark). It lives in
``.cache/envs/openai-sdk/`` and is rebuilt when pyproject.toml changes. The suite's
.venv cannot hold it: ``nomyo==0.2.9`` pins ``idna==3.14`` and
``typing-extensions==4.15.0``, while httpx2 needs ``idna>=3.18`` and pydantic
``typing-extensions>=4.16``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

from .router import REPO_ROOT

__all__ = [
    "build_env",
    "build_router_wheel",
    "build_wheel",
    "downgrades",
    "installed",
    "openai_sdk_env",
    "pip_check",
    "pip_install",
]

ENVS = REPO_ROOT / ".cache" / "envs"
PIP_TIMEOUT = 900
# mypy type-checks nomyo_web.openai there; psutil is the benchmark's (bench/openai_child.py).
OPENAI_SDK_PACKAGES = ("openai", "httpx2", "cryptography", "mypy", "psutil")


def _run(args: list[str]) -> str:
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=PIP_TIMEOUT, check=False, cwd=REPO_ROOT
    )
    if done.returncode != 0:
        raise RuntimeError(f"`{' '.join(args)}` exited {done.returncode}:\n{done.stderr[-4000:]}")
    return done.stdout


def build_env(path: Path, requirements: list[str]) -> Path:
    """A new venv at ``path`` (replacing any), with ``requirements`` installed; its python."""
    shutil.rmtree(path, ignore_errors=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    python = path / "bin" / "python"
    if requirements:
        pip_install(python, requirements)
    return python


def pip_install(python: Path, requirements: list[str], *, upgrade: bool = False) -> str:
    """``pip install`` into the environment of ``python``; pip's output."""
    flags = ["-U"] if upgrade else []
    return _run([str(python), "-m", "pip", "install", "-q", *flags, *requirements])


def installed(python: Path) -> dict[str, str]:
    """Every distribution installed in ``python``'s environment: {canonical name: version}."""
    listing = json.loads(_run([str(python), "-m", "pip", "list", "--format", "json"]))
    return {canonicalize_name(item["name"]): item["version"] for item in listing}


def downgrades(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """What went down or away between two ``installed()`` snapshots, as readable lines."""
    lost = []
    for name, version in sorted(before.items()):
        now = after.get(name)
        if now is None:
            lost.append(f"{name} {version} was removed")
        elif Version(now) < Version(version):
            lost.append(f"{name} {version} -> {now}")
    return lost


def pip_check(python: Path) -> str:
    """``pip check``'s complaints ("" when every installed requirement is satisfied)."""
    done = subprocess.run(
        [str(python), "-m", "pip", "check"], capture_output=True, text=True, check=False
    )
    return "" if done.returncode == 0 else done.stdout + done.stderr


def build_wheel(directory: Path) -> Path:
    """This checkout's nomyo-web wheel, built into ``directory``."""
    return _build(REPO_ROOT, "nomyo_web", directory)


def build_router_wheel(directory: Path) -> Path:
    """This checkout's nomyo-router wheel, built into ``directory``."""
    return _build(REPO_ROOT / "router", "nomyo_router", directory)


def _build(source: Path, name: str, directory: Path) -> Path:
    pip = [sys.executable, "-m", "pip"]
    _run([*pip, "wheel", "--no-deps", "-q", str(source), "-w", str(directory)])
    (wheel,) = directory.glob(f"{name}-*.whl")
    return wheel


def _sdk_env_key() -> str:
    digest = hashlib.sha256((REPO_ROOT / "pyproject.toml").read_bytes())
    digest.update(" ".join(OPENAI_SDK_PACKAGES).encode())
    return digest.hexdigest()


def openai_sdk_env() -> Path:
    """The python of .cache/envs/openai-sdk (built when missing or stale)."""
    path = ENVS / "openai-sdk"
    python = path / "bin" / "python"
    stamp = path / "built-from"
    key = _sdk_env_key()
    if python.exists() and stamp.exists() and stamp.read_text() == key:
        return python
    ENVS.mkdir(parents=True, exist_ok=True)
    wheel = build_wheel(Path(_fresh_dir(ENVS / "openai-sdk-wheel")))
    build_env(path, [f"{wheel}[openai]", *OPENAI_SDK_PACKAGES])
    stamp.write_text(key)
    return python


def _fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path

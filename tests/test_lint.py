"""Static checks as tests, so the one test command covers them: ruff (lint and
format) and ``mypy --strict`` on the package, with the config in pyproject.toml.
Each runs as a subprocess of this interpreter's own tools."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.envs import openai_sdk_env
from tests.support.router import REPO_ROOT

# The package (the gate), plus the project's own runnable files.
RUFF_PATHS = [
    "nomyo_web",
    "router",
    "devtools",
    "examples",
    "dev.py",
    "tests",
    "bench",
    "soak",
    "web",
]


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    [["ruff", "check", *RUFF_PATHS], ["ruff", "format", "--check", "--diff", *RUFF_PATHS]],
    ids=["ruff-check", "ruff-format"],
)
def test_ruff(command: list[str]) -> None:
    done = run_tool(*command)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_on_the_package() -> None:
    done = run_tool("mypy", "--strict", "nomyo_web", "router/nomyo_router", "devtools")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Success: no issues found"), done.stdout


def test_mypy_strict_on_the_openai_transports_against_the_real_sdk() -> None:
    # The suite's .venv cannot hold httpx2 and openai beside nomyo==0.2.9 (see
    # tests/support/envs.py), so there they are untyped; here they are the real ones.
    done = subprocess.run(
        [str(openai_sdk_env()), "-m", "mypy", "--strict", "nomyo_web/openai"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Success: no issues found"), done.stdout

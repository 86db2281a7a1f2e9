"""The project's own commands keep their promises: dev.py needs nothing but the
standard library, the Makefile's targets are dev.py's commands, and CI runs
exactly the test command the README gives."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.support.router import REPO_ROOT

SYSTEM_PYTHON = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin")


@pytest.mark.skipif(SYSTEM_PYTHON is None, reason="no system python3")
def test_dev_py_runs_on_the_bare_standard_library() -> None:
    # -I -S: no site-packages, no user site, no PYTHONPATH: what a fresh machine has.
    assert SYSTEM_PYTHON is not None
    done = subprocess.run(
        [SYSTEM_PYTHON, "-I", "-S", "dev.py", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for command in ("setup", "demo", "test", "bench", "soak"):
        assert command in done.stdout


def make_dry_run(target: str) -> str:
    # Outside any outer make (the test itself may run under `make test`).
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", target],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
@pytest.mark.parametrize(
    ("target", "command"),
    [
        ("setup", "dev.py setup"),
        ("demo", "dev.py demo"),
        ("check", "dev.py demo --check"),
        ("test", "dev.py test"),
        ("bench", "dev.py bench"),
        ("soak", "dev.py soak"),
    ],
)
def test_make_targets_are_dev_py_commands(target: str, command: str) -> None:
    assert make_dry_run(target) == f"python3 {command}"


def readme_quick_start() -> list[str]:
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, "the quick start has no sh block"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_quick_start_is_two_commands_and_ci_runs_the_test_one() -> None:
    demo, test = readme_quick_start()
    assert (demo, test) == ("make demo", "make test")
    ci = (REPO_ROOT / ".ci" / "run").read_text().splitlines()
    commands = [line.strip() for line in ci if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1] == test

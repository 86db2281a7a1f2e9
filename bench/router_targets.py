"""What the router section puts under load: this tree's router, the plain proxy anchor and,
with ``--router-before DIR``, the same two from another checkout (the "before" side).

Every target runs from one source tree only: its ``router/`` and root are the whole
import path ahead of the venv (``PYTHONSAFEPATH`` keeps the working directory off it),
so a "before" router is that checkout's router and ``nomyo_web`` alone. Each
measurement starts a fresh process: CPU per request at one level depends on what
the process served before.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.router import RouterProcess, start_router

from .servers import REPO_ROOT

__all__ = ["PLAIN_PROXY", "Target", "before_commit", "targets"]

PLAIN_PROXY = REPO_ROOT / "bench" / "plain_proxy.py"
START_TIMEOUT = 120.0


def tree_environment(tree: Path) -> dict[str, str]:
    """``tree``'s router and root first on the import path, the working directory not on it."""
    return {
        "PYTHONPATH": os.pathsep.join([str(tree / "router"), str(tree)]),
        "PYTHONSAFEPATH": "1",
    }


@dataclass(frozen=True)
class Target:
    """A kind of process to measure: a router (with ``flags``) or the plain proxy."""

    name: str
    tree: Path
    plain: bool = False

    @contextlib.contextmanager
    def start(self, stub_url: str, *flags: str) -> Iterator[RouterProcess]:
        """A fresh process of this kind in front of ``stub_url``, stopped afterwards."""
        env = tree_environment(self.tree)
        if not self.plain:
            flags = ("--upstream", stub_url, *flags, "--log-level", "warning")
            with start_router(*flags, env=env, timeout=START_TIMEOUT) as process:
                yield process
            return
        proc = subprocess.Popen(
            [sys.executable, str(PLAIN_PROXY), "--upstream", stub_url],
            cwd=REPO_ROOT,
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        with RouterProcess(proc) as process:
            process.wait_ready(START_TIMEOUT)
            yield process


def targets(before: Path | None) -> list[Target]:
    """This tree's router and proxy; with ``before``, that checkout's too."""
    found = [Target("router", REPO_ROOT), Target("proxy", REPO_ROOT, plain=True)]
    if before is not None:
        found += [Target("router_before", before), Target("proxy_before", before, plain=True)]
    return found


def before_commit(tree: Path) -> str:
    """The commit ``tree`` is checked out at (with ``+changes`` when it has any)."""
    git = ["git", "-C", str(tree)]
    head = subprocess.run(
        [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return (head or "unknown") + ("+changes" if dirty else "")

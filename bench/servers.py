"""Everything the benchmark talks to, started on loopback and stopped afterwards."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.support.router import ROUTER, RouterProcess, start_router

__all__ = ["REPO_ROOT", "announced_process", "floor_server", "relay", "router", "stub_upstream"]

REPO_ROOT = Path(__file__).resolve().parents[1]
_URL = re.compile(r"(http://127\.0\.0\.1:\d+)")


@contextlib.contextmanager
def announced_process(args: list[str], timeout: float = 30.0) -> Iterator[tuple[str, int]]:
    """Run ``python args...`` until it prints a loopback URL; yields (url, pid)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = _URL.search(line)
        if match is None:
            raise RuntimeError(f"{args[:2]} did not announce a URL: {line!r}")
        yield match.group(1), proc.pid
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def stub_upstream() -> contextlib.AbstractContextManager[tuple[str, int]]:
    """The instant OpenAI-compatible upstream (``bench.instant_server upstream``)."""
    return announced_process(["-m", "bench.instant_server", "upstream"])


def floor_server(response_bytes: int) -> contextlib.AbstractContextManager[tuple[str, int]]:
    return announced_process(
        ["-m", "bench.instant_server", "floor", "--response-bytes", str(response_bytes)]
    )


@contextlib.contextmanager
def router(*flags: str, module: str = ROUTER) -> Iterator[RouterProcess]:
    """A real router process (``--log-level warning``: no per-request log line on a pipe);
    ``module`` may name the demo server instead."""
    with start_router(*flags, "--log-level", "warning", timeout=120.0, module=module) as process:
        yield process


@contextlib.contextmanager
def relay(upstream: str) -> Iterator[RouterProcess]:
    """A relay process (``--relay``) in front of ``upstream`` on loopback."""
    flags = ("--relay", upstream, "--relay-http-for-development", "--log-level", "warning")
    with start_router(*flags, env={"NOMYO_API_KEY": "bench-relay-key"}, timeout=120.0) as proc:
        yield proc

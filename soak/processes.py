"""The processes a soak run starts itself, on loopback only: the stub upstream and routers."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import psutil

from tests.support.router import REPO_ROOT, RouterProcess, start_router

__all__ = ["StubProcess", "free_port", "rss_mib", "start_router_on"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` in MiB."""
    return round(psutil.Process(pid).memory_info().rss / 2**20, 1)


def start_router_on(port: int, key_file: Path, upstream: str, *flags: str) -> RouterProcess:
    """A real router process on ``127.0.0.1:port`` in front of ``upstream``."""
    return start_router(
        "--port", str(port), "--key-file", str(key_file), "--upstream", upstream, *flags
    )


class StubProcess:
    """``soak.stub_process`` in a child process, spoken to over JSON lines."""

    def __init__(self, port: int = 0) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "soak.stub_process", "--port", str(port)],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._lock = threading.Lock()
        self.url = str(self._read()["url"])

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the stub process exited")
        value: dict[str, Any] = json.loads(line)
        return value

    def command(self, op: str, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        with self._lock:
            self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
            self.proc.stdin.flush()
            return self._read()

    def push(self, **script: Any) -> None:
        self.command("push", **script)

    def reset(self) -> None:
        self.command("reset")

    def stats(self, marker: str) -> dict[str, Any]:
        return self.command("stats", marker=marker)

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> StubProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

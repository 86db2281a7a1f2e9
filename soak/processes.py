"""The processes a soak run starts itself, on loopback only: the stub upstream and routers."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import json
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import psutil

from tests.support.router import REPO_ROOT, RouterProcess, checkout_environment, start_router

__all__ = ["StubProcess", "free_port", "live_heap", "rss_mib", "start_router_on"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` in MiB."""
    return round(psutil.Process(pid).memory_info().rss / 2**20, 1)


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in [
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        ]
    ]


@functools.cache
def _mallinfo2() -> Any:
    """glibc's ``mallinfo2`` (2.33+), or None on another C library."""
    name = ctypes.util.find_library("c")
    try:
        function = ctypes.CDLL(name).mallinfo2 if name else None
    except (OSError, AttributeError):
        return None
    if function is not None:
        function.restype = _MallInfo2
    return function


def live_heap() -> dict[str, float]:
    """What this process holds live, apart from what its allocators keep free.

    ``malloc_in_use_mib``: bytes glibc's main arena has handed out and not got back
    (plus its mmap'd blocks); ``malloc_free_mib``: what it keeps free for reuse;
    ``python_objects``: objects the garbage collector tracks. RSS can rise while
    these stay flat: that is allocator retention and fragmentation, not a leak.
    """
    figures: dict[str, float] = {"python_objects": len(gc.get_objects())}
    mallinfo2 = _mallinfo2()
    if mallinfo2 is not None:
        info = mallinfo2()
        figures["malloc_in_use_mib"] = round((info.uordblks + info.hblkhd) / 2**20, 2)
        figures["malloc_free_mib"] = round(info.fordblks / 2**20, 2)
    return figures


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
            env=checkout_environment(),
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

"""What the numbers were measured on, and how noisy the machine was meanwhile."""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["NoiseLog", "describe_machine", "process_cpu_seconds", "tree_cpu_seconds"]

_TICKS = os.sysconf("SC_CLK_TCK")


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20, 1)
    return 0.0


def _version(module: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module)
    except PackageNotFoundError:
        return "not installed"


def describe_machine() -> dict[str, Any]:
    """CPU, cores, memory, kernel, and the versions that matter to the figures."""
    import ssl

    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count() or 0,
        "memory_gib": _memory_gib(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "openssl": ssl.OPENSSL_VERSION,
        "versions": {
            name: _version(name)
            for name in (
                "nomyo-web",
                "nomyo",
                "cryptography",
                "httpx",
                "httpcore",
                "aiohttp",
                "uvicorn",
                "starlette",
                "llama_cpp_python",
                "playwright",
            )
        },
    }


def cpu_pressure() -> float | None:
    """``some avg10`` of /proc/pressure/cpu: % of the last 10 s some task waited for a CPU."""
    for line in _read("/proc/pressure/cpu").splitlines():
        if line.startswith("some"):
            for part in line.split():
                if part.startswith("avg10="):
                    return float(part[6:])
    return None


class NoiseLog:
    """Samples load average and CPU pressure at each phase of the run."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.samples: list[dict[str, Any]] = []

    def sample(self, phase: str) -> None:
        self.samples.append(
            {
                "phase": phase,
                "at_s": round(time.monotonic() - self.started, 1),
                "loadavg_1m": round(os.getloadavg()[0], 2),
                "psi_cpu_some_avg10": cpu_pressure(),
            }
        )

    def summary(self) -> dict[str, Any]:
        psi = [s["psi_cpu_some_avg10"] for s in self.samples if s["psi_cpu_some_avg10"] is not None]
        load = [s["loadavg_1m"] for s in self.samples]
        return {
            "psi_cpu_some_avg10_max": max(psi) if psi else None,
            "psi_cpu_some_avg10_median": sorted(psi)[len(psi) // 2] if psi else None,
            "loadavg_1m_max": max(load) if load else None,
            "samples": self.samples,
        }


def _cpu_clock(pid: int) -> int:
    """Linux's CPU-time clock of process ``pid`` (all its threads, live and ended)."""
    return ((~pid) << 3) | 2  # MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds of every thread ``pid`` ran, to the nanosecond where the kernel says so.

    /proc/PID/stat counts in clock ticks (10 ms here): a 0.3 ms-a-request proxy
    is 10 ticks for 300 requests, too coarse to compare; the process CPU clock is
    exact. Falls back to utime + stime from /proc/PID/stat.
    """
    try:
        return time.clock_gettime(_cpu_clock(pid))
    except OSError:
        pass
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of ``pid`` and all its live descendants (router workers)."""
    import psutil

    try:
        parent = psutil.Process(pid)
        pids = [pid, *(child.pid for child in parent.children(recursive=True))]
    except psutil.Error:
        return process_cpu_seconds(pid)
    return sum(process_cpu_seconds(p) for p in pids)

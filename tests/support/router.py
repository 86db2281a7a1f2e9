"""Start real router processes (``python -m nomyo_router``) for tests.

``start_demo_server(*flags)`` starts the demo server instead
(``python -m devtools.demo_server``: the router plus this checkout's pages at /demo/).

    with start_router("--upstream", stub.url, "--api-key", "k") as router:
        httpx.get(router.url + "/healthz")
        router.logs()        # everything it wrote to stdout and stderr so far
    # leaving the block sends SIGTERM and waits for the exit

``start_router`` adds ``--host 127.0.0.1 --port 0`` and ``--key-file`` (the
shared pre-generated key from ``tests.support.keys``) unless the flags name
them, and returns once the router printed ``listening on http://HOST:PORT``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from .keys import shared_server_key_file

__all__ = [
    "DEMO_SERVER",
    "REPO_ROOT",
    "ROUTER",
    "RouterProcess",
    "checkout_environment",
    "demo_web_flags",
    "run_router",
    "start_demo_server",
    "start_router",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
ROUTER = "nomyo_router"
DEMO_SERVER = "devtools.demo_server"
_LISTENING = re.compile(r"listening on (https?://\S+)")


class RouterProcess:
    """A running router: ``url``, ``proc``, ``logs()``, ``signal()``, ``stop()``."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.url = ""
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._readers = [
            threading.Thread(target=self._pump, args=(stream,), daemon=True)
            for stream in (proc.stdout, proc.stderr)
        ]
        for reader in self._readers:
            reader.start()

    def _pump(self, stream: object) -> None:
        for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
            with self._lock:
                self._lines.append(line)
            match = _LISTENING.search(line)
            if match and not self.url:
                self.url = match.group(1)
                self._ready.set()
        self._ready.set()  # EOF: the process is gone

    def wait_ready(self, timeout: float) -> None:
        if not self._ready.wait(timeout) or not self.url:
            self.stop(timeout=5)
            raise RuntimeError(f"router did not start; its output:\n{self.logs()}")

    def logs(self) -> str:
        """Everything the router wrote to stdout and stderr so far."""
        with self._lock:
            return "".join(self._lines)

    def wait_for_log(self, pattern: str, timeout: float = 10.0) -> str:
        """Wait until a line matching the regex ``pattern`` appears; returns that line."""
        compiled = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for line in self._lines:
                    if compiled.search(line):
                        return line
            time.sleep(0.05)
        raise AssertionError(f"no log line matching {pattern!r}; logs:\n{self.logs()}")

    def request_log(
        self, path: str | None = None, at_least: int = 0, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """The router's per-request log records (for ``path`` only, when given).

        A record is written just after its answer is sent, so ask for ``at_least``
        the number you expect: this waits (up to ``timeout``) for them to arrive.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                lines = [line for line in self._lines if " request {" in line]
            records = [json.loads(line.split(" request ", 1)[1]) for line in lines]
            if path is not None:
                records = [record for record in records if record.get("path") == path]
            if len(records) >= at_least or time.monotonic() >= deadline:
                return records
            time.sleep(0.05)

    def signal(self, sig: int = signal.SIGTERM) -> None:
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then wait (SIGKILL after ``timeout``); returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for reader in self._readers:
            reader.join(5)
        return self.proc.returncode

    def __enter__(self) -> RouterProcess:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def demo_web_flags() -> list[str]:
    """``--web web`` and a ``--web-*`` flag for each of this checkout's builds that exists."""
    folders = {
        "--web": REPO_ROOT / "web",
        "--web-pyodide": REPO_ROOT / "build" / "pyodide",
        "--web-pyscript": REPO_ROOT / "web" / "node_modules" / "@pyscript" / "core" / "dist",
        "--web-wheels": REPO_ROOT / "dist",
        "--web-lite": REPO_ROOT / "build" / "jupyterlite",
    }
    return [part for flag, path in folders.items() if path.is_dir() for part in (flag, str(path))]


def checkout_environment() -> dict[str, str]:
    """This environment, with this checkout's ``router/`` and root first on the import path.

    So ``python -m nomyo_router`` runs this checkout's router (and ``nomyo_web``), not
    whatever an editable install elsewhere points at.
    """
    path = [str(REPO_ROOT / "router"), str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(part for part in path if part)}


def run_router(
    *flags: str, timeout: float = 60.0, module: str = ROUTER
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m module *flags`` to its end (``--help``, a refused start)."""
    return subprocess.run(
        [sys.executable, "-m", module, *flags],
        cwd=REPO_ROOT,
        env=checkout_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _has_flag(flags: tuple[str, ...], name: str) -> bool:
    return any(flag == name or flag.startswith(name + "=") for flag in flags)


def start_router(
    *flags: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
    module: str = ROUTER,
    python: Path | None = None,
    program: Sequence[str] | None = None,
) -> RouterProcess:
    """Start ``python -m module *flags`` (the router) and wait for its listening line.

    ``python``: another environment's interpreter, running the router installed there
    (not this checkout's: it starts outside the repository, without PYTHONPATH).
    ``program``: the same, but one of that environment's commands instead of
    ``python -m module`` (its ``nomyo-router``). ``env`` adds to the environment.
    """
    args = list(flags)
    if not _has_flag(flags, "--host"):
        args += ["--host", "127.0.0.1"]
    if not _has_flag(flags, "--port"):
        args += ["--port", "0"]
    if not _has_flag(flags, "--key-file") and not _has_flag(flags, "--relay"):  # a relay has none
        args += ["--key-file", str(shared_server_key_file())]
    child_env = checkout_environment()
    child_env.pop("NOMYO_ROUTER_API_KEYS", None)
    child_env["PYTHONUNBUFFERED"] = "1"
    child_env.update(env or {})
    command = list(program) if program else [str(python or sys.executable), "-m", module]
    outside = python is not None or program is not None
    if outside:
        child_env.pop("PYTHONPATH", None)
    proc = subprocess.Popen(
        [*command, *args],
        cwd=Path(command[0]).parent if outside else REPO_ROOT,
        env=child_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    router = RouterProcess(proc)
    router.wait_ready(timeout)
    return router


def start_demo_server(
    *flags: str, env: Mapping[str, str] | None = None, timeout: float = 60.0
) -> RouterProcess:
    """The demo server with this checkout's pages and builds (``demo_web_flags``) and ``flags``."""
    return start_router(*demo_web_flags(), *flags, env=env, timeout=timeout, module=DEMO_SERVER)

"""The interpreters the cases run in: CPython (this process) and pytest-pyodide's runtimes.

    interpreter.call("client:create", client_id="main", model="m", messages=[...])
    interpreter.name          # "cpython", "node" or "chrome"
    interpreter.network()     # every URL the runtime asked for ([] on CPython)

``ChildInterpreter`` is CPython too, in a child process of another environment (the
OpenAI SDK's, tests/support/envs.py), spoken to over JSON lines (sdk_runner.py).

A Pyodide interpreter is a pytest-pyodide runner (``selenium_common``: Selenium with
the system's chromedriver, or Node.js) made ready by the plugin's ``prepare``
(network recorder, nomyo-web loaded by name from the offline distribution), with the
cases copied into its file system; each call goes through ``in_pyodide.run_case``.
The CPython interpreter runs the cases in an event loop of its own thread, so what a
case starts (a client, a task) lives on between calls, as it does in Pyodide.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import copy
import itertools
import json
import os
import select
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nomyo_router.testing.runtimes import network, prepare
from tests.pyodide import cases

__all__ = ["CPythonInterpreter", "ChildInterpreter", "PyodideInterpreter", "open_interpreter"]

HERE = Path(__file__).resolve().parent
CALL_TIMEOUT = 120.0
_COPY_CASES = """
import os, sys
os.makedirs("/tmp/nomyo_cases/pyodide_cases", exist_ok=True)
for name, source in {files!r}.items():
    with open("/tmp/nomyo_cases/pyodide_cases/" + name, "w") as out:
        out.write(source)
sys.path.insert(0, "/tmp/nomyo_cases")
"""


class CPythonInterpreter:
    """The cases in this process with the CPython backends (cryptography, httpx)."""

    name = "cpython"

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def call(self, target: str, **kwargs: Any) -> Any:
        future = asyncio.run_coroutine_threadsafe(cases.call(target, kwargs), self._loop)
        return future.result(CALL_TIMEOUT)

    def network(self) -> list[str]:
        return []

    def close(self) -> None:
        """Cancel what the cases left running (clients' tasks), then stop the loop."""
        asyncio.run_coroutine_threadsafe(_cancel_others(), self._loop).result(CALL_TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


async def _cancel_others() -> None:
    current = asyncio.current_task()
    others = [task for task in asyncio.all_tasks() if task is not current]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)


class CaseFailed(AssertionError):
    """A case raised in a child interpreter; the message holds its traceback there."""


class ChildInterpreter:
    """The cases in a CPython child process of ``python`` (this checkout on its path)."""

    name = "cpython"

    def __init__(self, python: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(HERE.parents[1]), "PYTHONUNBUFFERED": "1"}
        self._proc = subprocess.Popen(
            [str(python), str(HERE / "sdk_runner.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        self._ids = itertools.count(1)
        assert self._proc.stdout is not None
        if not self._proc.stdout.readline():
            raise RuntimeError(f"{python} tests/pyodide/sdk_runner.py did not start")

    def call(self, target: str, **kwargs: Any) -> Any:
        """One request, answered before the next is sent (the host test is sequential)."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        ident = next(self._ids)
        request = {"id": ident, "target": target, "kwargs": kwargs}
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        ready, _, _ = select.select([self._proc.stdout], [], [], CALL_TIMEOUT)
        answer = json.loads(self._proc.stdout.readline() or "null") if ready else None
        if answer is None or answer["id"] != ident:
            raise RuntimeError(f"the child interpreter answered {answer!r} to request {ident}")
        if not answer["ok"]:
            raise CaseFailed(f"{target} failed in the child interpreter:\n{answer['traceback']}")
        return answer["value"]

    def network(self) -> list[str]:
        return []

    def close(self) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


class PyodideInterpreter:
    """The cases inside one pytest-pyodide runner (``node`` or ``chrome``)."""

    def __init__(self, runner: Any) -> None:
        self.runner = runner
        self.name: str = runner.browser
        runner.set_script_timeout(CALL_TIMEOUT)  # pytest-pyodide's 20 s is short for key rotation
        files = {path.name: path.read_text() for path in sorted((HERE / "cases").glob("*.py"))}
        runner.run(_COPY_CASES.format(files=files))
        from tests.pyodide.in_pyodide import run_case

        self._run_case = run_case

    def call(self, target: str, **kwargs: Any) -> Any:
        return self._run_case(self.runner, target, kwargs)

    def network(self) -> list[str]:
        return network(self.runner)

    def run_js(self, code: str) -> Any:
        """Run JavaScript in the runtime (a page script, in Chromium); its return value."""
        return self.runner.run_js(code)


def _register_for_run_in_pyodide(path: Path) -> None:
    """pytest-pyodide reads a ``run_in_pyodide`` function's source from the syntax trees it
    keeps of the test modules it collected; in_pyodide.py is not one, so it is added the
    same way (plain and with pytest's assertion rewriting)."""
    from _pytest.assertion.rewrite import rewrite_asserts
    from pytest_pyodide import hook

    source = path.read_bytes()
    tree = ast.parse(source, filename=str(path))
    rewritten = copy.deepcopy(tree)
    rewrite_asserts(rewritten, source, str(path), hook.REWRITE_CONFIG)
    hook.ORIGINAL_MODULE_ASTS.setdefault(str(path), tree)
    hook.REWRITTEN_MODULE_ASTS.setdefault(str(path), rewritten)


@contextlib.contextmanager
def open_interpreter(
    name: str, request: pytest.FixtureRequest, web_server: Any, browsers: Any
) -> Iterator[Any]:
    """An interpreter for the session: ``cpython`` or a pytest-pyodide runtime by name."""
    if name == "cpython":
        interpreter = CPythonInterpreter()
        try:
            yield interpreter
        finally:
            interpreter.close()
        return
    from pytest_pyodide.fixture import selenium_common

    _register_for_run_in_pyodide(HERE / "in_pyodide.py")
    with selenium_common(request, name, web_server, browsers=browsers) as runner:
        yield PyodideInterpreter(prepare(runner))

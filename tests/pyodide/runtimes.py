"""Run the case functions of tests/pyodide/cases/ on CPython, in Pyodide under Node.js, and
in Pyodide in a Chromium page — one long-lived interpreter per runtime, shared by the tests.

    runtime = await NodePyodide.start(BUILD_PYODIDE)
    value = await runtime.call("crypto:seal_with", pem=..., plaintext_b64=...)
    await runtime.network()      # every URL the interpreter's fetch asked for
    await runtime.close()

A case that raises surfaces here as ``CaseFailed`` carrying the traceback from
inside the interpreter. The Pyodide runtimes install ``nomyo-web`` with
``micropip`` from the local build/pyodide/ (web/build.py), then upload this
package's case modules into the interpreter's file system.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from pathlib import Path
from typing import Any, Self

from tests.pyodide import cases
from tests.support.browser import watch_network

__all__ = ["CPythonRuntime", "CaseFailed", "ChromiumPyodide", "NodePyodide", "PyodideRuntime"]

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"
NODE_RUNNER = HERE / "node_runner.mjs"
CALL_TIMEOUT = 120.0
_INSTALL = """
import json, os, sys
_files = json.loads({files!r})
os.makedirs("/tmp/nomyo_cases/pyodide_cases", exist_ok=True)
for _name, _source in _files.items():
    with open("/tmp/nomyo_cases/pyodide_cases/" + _name, "w") as _out:
        _out.write(_source)
sys.path.insert(0, "/tmp/nomyo_cases")
from pyodide_cases import call as __nomyo_call
import nomyo_web
nomyo_web.__version__
"""


class CaseFailed(AssertionError):
    """A case raised inside its runtime; the message holds the inner traceback."""


def _unwrap(runtime: str, target: str, raw: str) -> Any:
    result = json.loads(raw)
    if not result["ok"]:
        raise CaseFailed(f"{target} failed in {runtime}:\n{result['traceback']}")
    return result["value"]


class PyodideRuntime:
    """What the Node and Chromium runtimes share: ``run`` Python code, ``call`` a case."""

    name = "pyodide"
    ready_ms = 0.0

    async def run(self, code: str) -> str:
        raise NotImplementedError

    async def network(self) -> list[str]:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def _install_cases(self) -> str:
        files = {path.name: path.read_text() for path in sorted(CASES_DIR.glob("*.py"))}
        return await self.run(_INSTALL.format(files=json.dumps(files)))

    async def call(self, target: str, **kwargs: Any) -> Any:
        code = f"await __nomyo_call({target!r}, {json.dumps(kwargs)!r})"
        return _unwrap(self.name, target, await self.run(code))


class CPythonRuntime:
    """The same cases in this process, with the CPython backends (cryptography, httpx)."""

    name = "cpython"
    ready_ms = 0.0

    async def call(self, target: str, **kwargs: Any) -> Any:
        return _unwrap(self.name, target, await cases.call(target, json.dumps(kwargs)))

    async def network(self) -> list[str]:
        return []

    async def close(self) -> None:
        return None


class NodePyodide(PyodideRuntime):
    """One Pyodide in a ``node`` child process (node_runner.mjs), spoken to over JSON lines."""

    name = "node"

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self._proc = proc
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._stderr: list[str] = []
        self._reader: asyncio.Task[None] | None = None
        self._drain = asyncio.ensure_future(self._pump_stderr())

    @classmethod
    async def start(cls, dist: Path, timeout: float = 120.0) -> NodePyodide:
        runtime = await cls.launch(["node", str(NODE_RUNNER), str(dist)], timeout)
        await runtime._install_cases()
        return runtime

    @classmethod
    async def launch(
        cls, command: list[str], timeout: float, env: dict[str, str] | None = None
    ) -> Self:
        """Start ``command`` (a runner speaking this JSON-lines protocol); wait until ready."""
        proc = await asyncio.create_subprocess_exec(
            *command,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=256 * 1024 * 1024,
        )
        runtime = cls(proc)
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), timeout)
        if not line:
            await proc.wait()
            raise RuntimeError("runner exited:\n" + runtime.stderr())
        runtime.ready_ms = json.loads(line)["ready"]
        runtime._reader = asyncio.ensure_future(runtime._pump_stdout())
        return runtime

    def stderr(self) -> str:
        return "".join(self._stderr)

    async def _pump_stderr(self) -> None:
        assert self._proc.stderr is not None
        async for line in self._proc.stderr:
            self._stderr.append(line.decode(errors="replace"))

    async def _pump_stdout(self) -> None:
        assert self._proc.stdout is not None
        async for line in self._proc.stdout:
            message = json.loads(line)
            future = self._waiting.pop(message["id"], None)
            if future is not None and not future.done():
                future.set_result(message)
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(RuntimeError("node runner exited:\n" + self.stderr()))

    async def _request(self, **message: Any) -> Any:
        assert self._proc.stdin is not None
        ident = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[ident] = future
        self._proc.stdin.write((json.dumps({"id": ident, **message}) + "\n").encode())
        await self._proc.stdin.drain()
        answer = await asyncio.wait_for(future, CALL_TIMEOUT)
        if not answer["ok"]:
            raise RuntimeError(f"Pyodide (node) error: {answer['error']}")
        return answer["value"]

    async def run(self, code: str) -> str:
        return str(await self._request(code=code))

    async def network(self) -> list[str]:
        return list(await self._request(network=True))

    async def close(self) -> None:
        if self._proc.returncode is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                await asyncio.wait_for(self._proc.wait(), 10)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()
        for task in (self._reader, self._drain):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


class ChromiumPyodide(PyodideRuntime):
    """One Pyodide in one Chromium page (tests/pyodide/harness.html on a loopback origin)."""

    name = "chromium"

    def __init__(self, context: Any, page: Any, log: list[str]) -> None:
        self.context = context
        self.page = page
        self._log = log
        self.console: list[str] = []
        page.on("console", lambda message: self.console.append(message.text))

    @classmethod
    async def start(cls, browser: Any, origin: str, timeout: float = 120.0) -> ChromiumPyodide:
        context = await browser.new_context()
        log: list[str] = []
        watch_network(context, log)
        page = await context.new_page()
        runtime = cls(context, page, log)
        await page.goto(origin + "/harness.html")
        ready = await asyncio.wait_for(page.evaluate("window.nomyoReady"), timeout)
        runtime.ready_ms = ready["ready"]
        await runtime._install_cases()
        return runtime

    async def run(self, code: str) -> str:
        script = "code => window.runPython(code)"
        return str(await asyncio.wait_for(self.page.evaluate(script, code), CALL_TIMEOUT))

    async def network(self) -> list[str]:
        return list(self._log)

    async def close(self) -> None:
        await self.context.close()

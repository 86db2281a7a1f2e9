"""Runs the shared cases in a CPython child process, speaking node_runner.mjs's protocol.

    PYTHONPATH=<repo> <python> tests/pyodide/sdk_runner.py

Used with the OpenAI-SDK environment's python (tests/support/envs.py), which has
``openai`` and ``httpx2`` (the suite's own .venv cannot): ``SdkCPython`` in
sdk_runtimes.py is ``NodePyodide`` started with this runner instead of Node.js.
Prints ``{"ready": ms}``, then answers one JSON line per request on stdin, each
in its own task (so a case may start work that a later request cancels):
    {"id": 1, "code": "<python, top-level await allowed>"}
        ->  {"id": 1, "ok": true, "value": "<str(result of its last expression)>"}
    {"id": 2, "network": true}  ->  {"id": 2, "ok": true, "value": []}
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import sys
import time
from typing import Any

from tests.pyodide.cases import call

STARTED = time.monotonic()
NAMESPACE: dict[str, Any] = {"__nomyo_call": call}


async def _run(code: str) -> str:
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    result = eval(compile(code, "<case>", "eval", flags=flags), NAMESPACE)
    if inspect.isawaitable(result):
        result = await result
    return str(result)


async def _answer(request: dict[str, Any]) -> None:
    if request.get("network"):
        answer: dict[str, Any] = {"ok": True, "value": []}
    else:
        try:
            answer = {"ok": True, "value": await _run(request["code"])}
        except Exception as error:
            answer = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    print(json.dumps({"id": request["id"], **answer}), flush=True)


async def main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=256 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print(json.dumps({"ready": round((time.monotonic() - STARTED) * 1000)}), flush=True)
    running: set[asyncio.Task[None]] = set()
    while line := await reader.readline():
        task = asyncio.create_task(_answer(json.loads(line)))
        running.add(task)
        task.add_done_callback(running.discard)
    for task in list(running):
        task.cancel()


if __name__ == "__main__":
    asyncio.run(main())

"""Runs the shared cases in a CPython child process: one JSON line in, one JSON line out.

    PYTHONPATH=<repo> <python> tests/pyodide/sdk_runner.py

Used with the OpenAI-SDK environment's python (tests/support/envs.py), which has
``openai`` and ``httpx2`` (the suite's own .venv cannot): ``ChildInterpreter`` in
interpreters.py speaks to it. Prints ``{"ready": true}``, then answers each request
in its own task (so a case may start work that a later request cancels):
    {"id": 1, "target": "openai_sdk:chat", "kwargs": {...}}
        ->  {"id": 1, "ok": true, "value": <the case's result>}
        or  {"id": 1, "ok": false, "error": "<Class: message>", "traceback": "<...>"}
"""

from __future__ import annotations

import asyncio
import json
import sys
import traceback
from typing import Any

from tests.pyodide.cases import call


async def _answer(request: dict[str, Any]) -> None:
    try:
        answer: dict[str, Any] = {
            "ok": True,
            "value": await call(request["target"], request["kwargs"]),
        }
    except Exception as error:
        answer = {
            "ok": False,
            "error": f"{type(error).__name__}: {error}",
            "traceback": traceback.format_exc(),
        }
    print(json.dumps({"id": request["id"], **answer}), flush=True)


async def main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=256 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print(json.dumps({"ready": True}), flush=True)
    running: set[asyncio.Task[None]] = set()
    while line := await reader.readline():
        task = asyncio.create_task(_answer(json.loads(line)))
        running.add(task)
        task.add_done_callback(running.discard)
    for task in list(running):
        task.cancel()


if __name__ == "__main__":
    asyncio.run(main())

"""Interpreters with the OpenAI SDK installed, for the cases of ``cases/openai_sdk.py``.

* ``SdkCPython``: a CPython child process of the OpenAI-SDK environment
  (tests/support/envs.py: the newest ``openai``, ``httpx2``, ``cryptography``),
  running this checkout's code (``PYTHONPATH``) through sdk_runner.py, which speaks
  node_runner.mjs's protocol, so it is ``NodePyodide`` with another command.
* ``install_openai(runtime)``: in a Pyodide runtime of runtimes.py (Node.js or
  Chromium), ``micropip.install("openai")`` from the local build/pyodide/ lock:
  the SDK's wheels, never a CDN.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.pyodide.runtimes import NodePyodide, PyodideRuntime
from tests.support.router import REPO_ROOT

__all__ = ["SdkCPython", "install_openai"]

RUNNER = Path(__file__).resolve().parent / "sdk_runner.py"
INSTALL_OPENAI = (
    "import micropip\nawait micropip.install('openai')\nimport openai\nopenai.__version__"
)


class SdkCPython(NodePyodide):
    """The cases in a child CPython that has the OpenAI SDK."""

    name = "cpython"

    @classmethod
    async def start_with(cls, python: Path, timeout: float = 60.0) -> SdkCPython:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
        return await cls.launch([str(python), str(RUNNER)], timeout, env)


async def install_openai(runtime: PyodideRuntime) -> str:
    """``micropip.install("openai")`` in a Pyodide runtime; the installed SDK's version."""
    return await runtime.run(INSTALL_OPENAI)

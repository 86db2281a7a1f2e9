"""Test cases that run unchanged on CPython and inside Pyodide (Node.js, Chromium).

Each case is a plain (async) function in a module of this package, taking
keyword arguments of plain data (picklable: str, int, dict, list, bytes, ...) and
returning plain data; it asserts what can be checked where it runs, and the host
test checks the rest (the stub's counters, the network log). Only the standard
library and ``nomyo_web`` may be imported here: inside Pyodide there is no
``cryptography`` and no ``httpx``.

``call`` is the one entry point: ``tests/pyodide/in_pyodide.py`` runs it inside
Pyodide through pytest-pyodide's ``run_in_pyodide``; on CPython the suite's
interpreter calls it directly. A case that raises fails the host test with its own
exception and traceback.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any


async def call(target: str, kwargs: dict[str, Any]) -> Any:
    """Run ``module:function`` of this package with ``kwargs``; its (awaited) result."""
    module_name, _, function_name = target.partition(":")
    module = importlib.import_module(f"{__name__}.{module_name}")
    result = getattr(module, function_name)(**kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result

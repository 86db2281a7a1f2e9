"""Test cases that run unchanged on CPython and inside Pyodide (Node.js, Chromium).

Each case is a plain (async) function in a module of this package, taking
JSON-able keyword arguments and returning a JSON-able value; it asserts what
can be checked where it runs, and the host test checks the rest (the stub's
counters, the network log). Only the standard library and ``nomyo_web`` may be
imported here: inside Pyodide there is no ``cryptography`` and no ``httpx``.

``call`` is the one entry point every runtime uses (tests/pyodide/runtimes.py).
"""

from __future__ import annotations

import importlib
import inspect
import json
import traceback


async def call(target: str, args_json: str) -> str:
    """Run ``module:function`` of this package with JSON kwargs; JSON ``{ok, value|error}``."""
    module_name, _, function_name = target.partition(":")
    try:
        module = importlib.import_module(f"{__name__}.{module_name}")
        result = getattr(module, function_name)(**json.loads(args_json))
        if inspect.isawaitable(result):
            result = await result
        return json.dumps({"ok": True, "value": result})
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return json.dumps(
            {
                "ok": False,
                "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(),
            }
        )

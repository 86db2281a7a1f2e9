"""The runtimes run this checkout's nomyo_web, loaded by name from the offline distribution's
lock, and nothing else came along."""

from __future__ import annotations

from typing import Any

import pytest

from nomyo_web import __version__
from tests.pyodide.cases import environment


def test_the_checkouts_code_runs_and_pulled_no_dependency(interpreter: Any) -> None:
    facts = interpreter.call("environment:facts")
    assert facts["version"] == facts["distribution_version"] == __version__
    assert interpreter.call("environment:sources_digest") == environment.sources_digest()
    if interpreter.name == "cpython":
        pytest.skip("the Pyodide install is what this checks")
    assert facts["platform"] == "emscripten" and facts["python"] == [3, 14]
    # cryptography and httpx are declared for sys_platform != "emscripten" only.
    assert facts["present"] == {
        "cryptography": False,
        "httpx": False,
        "anyio": False,
        "cffi": False,
        "micropip": False,
    }


def test_the_page_loaded_pyodide_and_the_wheel_from_the_local_distribution(
    interpreter: Any, page_origin: str
) -> None:
    if interpreter.name != "chrome":
        pytest.skip("the page's requests are Chromium's")
    loaded = set(interpreter.network())
    wheel = f"{page_origin}/nomyo_web-{__version__}-py3-none-any.whl"
    assert {f"{page_origin}/pyodide.asm.wasm", f"{page_origin}/pyodide-lock.json", wheel} <= loaded

"""The runtimes run the wheel built from this checkout, installed by micropip from the
local build/pyodide/ lock, and nothing else came along."""

from __future__ import annotations

from typing import Any

import pytest

from nomyo_web import __version__
from tests.support.browser import StaticServer

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_checkouts_wheel_runs_and_pulled_no_dependency(runtime: Any) -> None:
    facts = await runtime.call("environment:facts")
    assert facts["version"] == facts["distribution_version"] == __version__
    if runtime.name == "cpython":
        pytest.skip("the Pyodide install is what this checks")
    assert facts["platform"] == "emscripten" and facts["python"] == [3, 14]
    # cryptography and httpx are declared for sys_platform != "emscripten" only.
    assert facts["present"] == {
        "cryptography": False,
        "httpx": False,
        "anyio": False,
        "cffi": False,
        "micropip": True,
    }


async def test_the_page_loaded_pyodide_and_the_wheel_from_the_local_build(
    runtime: Any, page_server: StaticServer
) -> None:
    if runtime.name != "chromium":
        pytest.skip("the page's requests are Chromium's")
    served = set(page_server.requests)
    wheel = f"/pyodide/nomyo_web-{__version__}-py3-none-any.whl"
    expected = {"/pyodide/pyodide.asm.wasm", "/pyodide/pyodide-lock.json", wheel}
    assert expected <= served
    assert "/pyodide/micropip-0.11.1-py3-none-any.whl" in served

"""The plugin's helper for pytest-pyodide, used the way a user's suite would use it:
``run_in_pyodide`` tests on ``selenium_nomyo`` (node and chrome) against ``nomyo_server``."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_pyodide import run_in_pyodide

from nomyo_router.testing.network import LoopbackViolation, check_loopback_only
from nomyo_router.testing.runtimes import network
from nomyo_router.testing.server import NomyoServer


@run_in_pyodide
async def ask(selenium: Any, base_url: str, api_key: str, pin: str, question: str) -> Any:
    import warnings

    from nomyo_web import SecureChatCompletion

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # plain HTTP on loopback
        client = SecureChatCompletion(
            base_url=base_url, api_key=api_key, server_key_fingerprint=pin, allow_http=True
        )
    async with client:
        answer = await client.create(model="m", messages=[{"role": "user", "content": question}])
    return answer["choices"][0]["message"]


def test_a_run_in_pyodide_test_talks_to_nomyo_server(
    selenium_nomyo: Any, nomyo_server: NomyoServer
) -> None:
    nomyo_server.answer("hello from the test")
    server = (nomyo_server.base_url, nomyo_server.api_key, nomyo_server.fingerprint)
    message = ask(selenium_nomyo, *server, "hi")
    assert message == {"role": "assistant", "content": "hello from the test"}
    [request] = nomyo_server.requests
    assert request.messages == [{"role": "user", "content": "hi"}]
    if selenium_nomyo.browser == "chrome":  # the page's origin was let through (CORS)
        assert request.headers["origin"].startswith("http://127.0.0.1:")


@run_in_pyodide
async def fetch_off_loopback(selenium: Any) -> str:
    import js
    from pyodide.ffi import JsException

    try:  # 0.0.0.0 never leaves the machine: Chromium refuses it, Node.js finds nothing there
        await js.fetch("http://0.0.0.0:1/never")
    except JsException as error:
        return str(error.name)
    return "answered"


FORGET = """
globalThis.__nomyoNetwork.length = 0;
if (globalThis.performance && performance.clearResourceTimings) performance.clearResourceTimings();
"""


def test_the_network_check_names_a_request_off_loopback(selenium_nomyo: Any) -> None:
    fetch_off_loopback(selenium_nomyo)
    try:
        with pytest.raises(LoopbackViolation, match=r"left loopback: http://0\.0\.0\.0:1/never"):
            check_loopback_only(network(selenium_nomyo), "the runtime")
    finally:
        selenium_nomyo.run_js(FORGET)  # so this test's own teardown check passes

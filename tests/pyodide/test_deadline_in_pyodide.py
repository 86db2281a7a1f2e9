"""The timeout bounds the whole attempt in every runtime, also while the collector runs.

A real server on loopback drips its body one byte per 0.5 s (12 s in all).
Under Node.js 20 a fetch made with ``redirect: "error"`` lost its abort signal
once V8 collected garbage, and ``AbortSignal.timeout`` is held only weakly:
with a collection during the request, neither the timeout nor a cancellation
stopped it (the body was read to its end).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from nomyo_web.protocol import PATH_PUBLIC_KEY, PATH_SECURE_COMPLETION
from tests.support.rude_server import Rude, RudeServer

pytestmark = pytest.mark.asyncio(loop_scope="session")

MESSAGES = [{"role": "user", "content": "hello"}]


async def error_from(runtime: Any, rude: RudeServer, name: str, **options: Any) -> Any:
    """What one ``create`` against the rude server raised, in a client made for it."""
    await runtime.call("client:make_client", client_id=name, base_url=rude.url, **options)
    error = await runtime.call("client:create_error", client_id=name, model="m", messages=MESSAGES)
    await runtime.call("client:dispose", client_id=name, model="m", messages=MESSAGES)
    return error


@pytest.mark.parametrize("path", [PATH_PUBLIC_KEY, PATH_SECURE_COMPLETION])
async def test_a_dripping_body_times_out_on_time(runtime: Any, rude: RudeServer, path: str) -> None:
    method = "GET" if path == PATH_PUBLIC_KEY else "POST"
    rude.answer(method, path, Rude(body=b"x" * 24, drip=0.5))  # 12 s for the whole body
    error = await error_from(runtime, rude, f"drip{path}", timeout=2, max_retries=0)
    assert (error["class"], error["is_connection_error"]) == ("APITimeoutError", True), error
    # Timed at the server: the client's own time includes generating its RSA-4096 key.
    sent = rude.wait_sent(method, path)
    assert not sent.complete and sent.seconds < 6


@pytest.fixture
async def gc_pressure(runtime: Any) -> Any:
    await runtime.call("pressure:start")
    yield
    await runtime.call("pressure:stop")


async def test_a_dripping_answer_times_out_while_the_collector_runs(
    runtime: Any, rude: RudeServer, gc_pressure: None
) -> None:
    rude.answer("POST", PATH_SECURE_COMPLETION, Rude(body=b"x" * 24, drip=0.5))
    error = await error_from(runtime, rude, "drip-gc", timeout=2, max_retries=0)
    assert (error["class"], error["is_connection_error"]) == ("APITimeoutError", True), error
    sent = rude.wait_sent("POST", PATH_SECURE_COMPLETION)
    assert not sent.complete and sent.seconds < 6


async def test_cancelling_aborts_while_the_collector_runs(
    runtime: Any, rude: RudeServer, gc_pressure: None
) -> None:
    rude.answer("POST", PATH_SECURE_COMPLETION, Rude(body=b"x" * 24, drip=0.5))
    await runtime.call("client:make_client", client_id="cancel-gc", base_url=rude.url)
    await runtime.call(
        "client:start_create", task_id="gc", client_id="cancel-gc", model="m", messages=MESSAGES
    )
    for _ in range(1200):  # the client generates its key first
        if rude.sent("POST", PATH_SECURE_COMPLETION):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # a collection or two while the body drips
    assert await runtime.call("client:cancel_task", task_id="gc") == "CancelledError"
    sent = rude.wait_sent("POST", PATH_SECURE_COMPLETION)
    assert not sent.complete and sent.seconds < 6

"""A 192 MiB answer is refused in every runtime without being read whole.

It is refused from its Content-Length, or at the protocol's limit while
streaming (a sealed 10 MiB answer, a 16 KiB key); an error body is cut at
64 KiB. The server sees the client stop reading.
"""

from __future__ import annotations

from typing import Any

import pytest

from nomyo_web.protocol import MAX_ANSWER_BYTES, PATH_PUBLIC_KEY, PATH_SECURE_COMPLETION
from tests.pyodide.test_deadline_in_pyodide import error_from
from tests.support.rude_server import Rude, RudeServer

pytestmark = pytest.mark.asyncio(loop_scope="session")

HUGE = 192 << 20
SOCKET_SLACK = 32 << 20  # what loopback socket buffers hold beyond what the client read


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
async def test_a_huge_answer_is_refused_without_reading_it(
    runtime: Any, rude: RudeServer, declared: bool
) -> None:
    rude.answer("POST", PATH_SECURE_COMPLETION, Rude(size=HUGE, declare_length=declared))
    error = await error_from(runtime, rude, f"huge-{declared}", max_retries=2)
    assert (error["class"], error["status_code"]) == ("ResponseTooLargeError", 200)
    assert f"({MAX_ANSWER_BYTES} bytes)" in error["message"]
    sent = rude.wait_sent("POST", PATH_SECURE_COMPLETION)
    assert not sent.complete
    assert sent.bytes < (SOCKET_SLACK if declared else MAX_ANSWER_BYTES + SOCKET_SLACK)
    assert len(rude.sent("POST", PATH_SECURE_COMPLETION)) == 1


async def test_a_huge_key_answer_is_refused(runtime: Any, rude: RudeServer) -> None:
    rude.answer("GET", PATH_PUBLIC_KEY, Rude(size=HUGE, declare_length=False))
    error = await error_from(runtime, rude, "huge-key")
    assert (error["class"], error["status_code"]) == ("ResponseTooLargeError", 200)
    sent = rude.wait_sent("GET", PATH_PUBLIC_KEY)
    assert not sent.complete and sent.bytes < SOCKET_SLACK
    assert rude.sent("POST", PATH_SECURE_COMPLETION) == []


async def test_a_huge_error_body_is_cut(runtime: Any, rude: RudeServer) -> None:
    rude.answer("POST", PATH_SECURE_COMPLETION, Rude(status=500, size=HUGE, declare_length=False))
    error = await error_from(runtime, rude, "huge-500", max_retries=0)
    assert (error["class"], error["status_code"], error["error_details"]) == (
        "ServerError",
        500,
        None,
    )
    sent = rude.wait_sent("POST", PATH_SECURE_COMPLETION)
    assert not sent.complete and sent.bytes < SOCKET_SLACK

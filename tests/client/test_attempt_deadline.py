"""The timeout bounds the whole attempt, body included, for the key fetch and the request.

A real server on loopback (tests/support/rude_server.py) sends its headers at
once and then one byte every 0.5 s: 12 s for a 24-byte body. httpx's own
timeouts bound each read, so before the overall deadline the client waited
all 12 s with ``timeout=2``.
"""

from __future__ import annotations

import time

import pytest

from nomyo_web import APITimeoutError
from nomyo_web.protocol import PATH_PUBLIC_KEY, PATH_SECURE_COMPLETION
from tests.support.rude_server import Rude, RudeServer

MESSAGES = [{"role": "user", "content": "hello"}]
DRIP = Rude(body=b"x" * 24, drip=0.5)  # 12 s for the whole body


@pytest.mark.parametrize("path", [PATH_PUBLIC_KEY, PATH_SECURE_COMPLETION])
async def test_a_dripping_body_times_out_on_time(make_client, rude: RudeServer, path: str) -> None:
    method = "GET" if path == PATH_PUBLIC_KEY else "POST"
    rude.answer(method, path, DRIP)
    client = make_client(base_url=rude.url, timeout=2, max_retries=0)
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        await client.create(model="m", messages=MESSAGES)
    assert time.monotonic() - started < 6
    assert not rude.wait_sent(method, path).complete
    if method == "GET":
        assert rude.sent("POST", PATH_SECURE_COMPLETION) == []

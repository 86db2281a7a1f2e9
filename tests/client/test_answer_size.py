"""Answers past the protocol's size limits are refused without being read whole.

A real server on loopback (tests/support/rude_server.py) sends a 192 MiB
body, with or without a Content-Length. The client reads no more than the
protocol allows (a sealed 10 MiB answer, a 16 KiB key, 64 KiB of an error
body), says so with a typed error, and the server sees it stop reading.
"""

from __future__ import annotations

import threading

import psutil
import pytest

from nomyo_web import (
    ResponseTooLargeError,
    SecurityError,
    ServerError,
    ServiceUnavailableError,
)
from nomyo_web.protocol import (
    MAX_ANSWER_BYTES,
    MAX_PUBLIC_KEY_BYTES,
    PATH_PUBLIC_KEY,
    PATH_SECURE_COMPLETION,
)
from tests.support.rude_server import Rude, RudeServer

MESSAGES = [{"role": "user", "content": "hello"}]
HUGE = 192 << 20
# What the two kernels' socket buffers on loopback can hold beyond what the client read.
SOCKET_SLACK = 32 << 20


class PeakRss:
    """The process's resident memory, sampled every 5 ms: the peak above the start."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self.start = self._process.memory_info().rss
        self.peak = self.start
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.005):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    @property
    def growth_mib(self) -> float:
        return (self.peak - self.start) / (1 << 20)


def _assert_refused(error: ResponseTooLargeError, limit: int) -> None:
    assert type(error) is ResponseTooLargeError and isinstance(error, SecurityError)
    assert error.status_code == 200 and error.error_details is None
    assert f"({limit} bytes)" in error.message


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
async def test_a_huge_answer_is_refused_without_reading_it(
    make_client, rude: RudeServer, declared: bool
) -> None:
    rude.answer("POST", PATH_SECURE_COMPLETION, Rude(size=HUGE, declare_length=declared))
    client = make_client(base_url=rude.url, max_retries=2)
    with PeakRss() as rss, pytest.raises(ResponseTooLargeError) as caught:
        await client.create(model="m", messages=MESSAGES)
    _assert_refused(caught.value, MAX_ANSWER_BYTES)
    sent = rude.wait_sent("POST", PATH_SECURE_COMPLETION)
    assert not sent.complete
    assert sent.bytes < (SOCKET_SLACK if declared else MAX_ANSWER_BYTES + SOCKET_SLACK)
    assert len(rude.sent("POST", PATH_SECURE_COMPLETION)) == 1  # refused, never retried
    assert rss.growth_mib < 96, f"peak RSS grew {rss.growth_mib:.0f} MiB"


async def test_a_huge_key_answer_is_refused_and_nothing_is_sent(
    make_client, rude: RudeServer
) -> None:
    rude.answer("GET", PATH_PUBLIC_KEY, Rude(size=HUGE, declare_length=False))
    client = make_client(base_url=rude.url, max_retries=2)
    with pytest.raises(ResponseTooLargeError) as caught:
        await client.create(model="m", messages=MESSAGES)
    _assert_refused(caught.value, MAX_PUBLIC_KEY_BYTES)
    sent = rude.wait_sent("GET", PATH_PUBLIC_KEY)
    assert not sent.complete and sent.bytes < SOCKET_SLACK
    assert rude.sent("POST", PATH_SECURE_COMPLETION) == []


async def test_a_huge_error_body_is_read_no_further_than_64_kib(
    make_client, rude: RudeServer
) -> None:
    rude.answer("POST", PATH_SECURE_COMPLETION, Rude(status=500, size=HUGE, declare_length=False))
    client = make_client(base_url=rude.url, max_retries=0)
    with pytest.raises(ServerError) as caught:
        await client.create(model="m", messages=MESSAGES)
    assert (caught.value.status_code, caught.value.error_details) == (500, None)
    sent = rude.wait_sent("POST", PATH_SECURE_COMPLETION)
    assert not sent.complete and sent.bytes < SOCKET_SLACK


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (b'{"detail": "' + b"y" * (100 << 10) + b'"}', None),  # cut mid-JSON: no details
        (b'{"detail": "busy"}' + b" " * (100 << 10), {"detail": "busy"}),  # what was read
    ],
    ids=["cut-mid-json", "json-then-padding"],
)
async def test_an_error_body_past_64_kib_is_cut(
    make_client, rude: RudeServer, body: bytes, details: dict[str, str] | None
) -> None:
    rude.answer("POST", PATH_SECURE_COMPLETION, Rude(status=503, body=body))
    client = make_client(base_url=rude.url, max_retries=0)
    with pytest.raises(ServiceUnavailableError) as caught:
        await client.create(model="m", messages=MESSAGES)
    assert (caught.value.status_code, caught.value.error_details) == (503, details)

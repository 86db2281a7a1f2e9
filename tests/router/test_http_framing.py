"""Hostile HTTP framing: a 4xx, the connection closed, one log line, no traceback.

Raw sockets on a real router process, because an HTTP client library will not
send both Content-Length and Transfer-Encoding, a bad chunk size or a 60 kB
header. Each test sends a pipelined ``GET /healthz`` behind the bad request
where that matters: it must never be answered (RFC 9112 §6.3, request smuggling).
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from nomyo_web.protocol import encode_public_key_header
from tests.support.keys import shared_private_key
from tests.support.router import RouterProcess, checkout_environment, start_router
from tests.support.stub_upstream import StubUpstream

PATH = "/v1/chat/secure_completion"
PIPELINED = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
REFUSED = "WARNING nomyo_web.router: refused an HTTP request from 127.0.0.1: "


@pytest.fixture(scope="module")
def router(stub_upstream_server: StubUpstream) -> Iterator[RouterProcess]:
    with start_router("--upstream", stub_upstream_server.url) as process:
        yield process


def _exchange(url: str, *writes: bytes) -> tuple[bytes, bool]:
    """Send ``writes`` (one send each); all that came back, and whether the router closed."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        try:
            for data in writes:
                sock.sendall(data)
        except OSError:
            pass  # the router closed while we were still sending
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            return received, False
        except ConnectionResetError:
            pass
        return received, True


def _statuses(received: bytes) -> list[int]:
    return [int(status) for status in re.findall(rb"HTTP/1\.1 (\d{3}) ", received)]


def _quiet_mark(router: RouterProcess) -> int:
    """How much the router has logged, once earlier requests' lines have all arrived."""
    size = -1
    while size != len(router.logs()):
        size = len(router.logs())
        time.sleep(0.3)
    return size


def _logged_since(router: RouterProcess, mark: int, expected: str) -> list[str]:
    """The log lines written after ``mark`` characters, once ``expected`` is among them."""
    deadline = time.monotonic() + 10
    while expected not in router.logs()[mark:] and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # anything else this request made the router log
    return router.logs()[mark:].splitlines()


def _api_head(framing: str) -> bytes:
    """A secure-completion request head (valid protocol headers) with ``framing``."""
    key = encode_public_key_header(shared_private_key().public.pem)
    lines = [f"POST {PATH} HTTP/1.1", "Host: x", "X-Payload-ID: framing-1", f"X-Public-Key: {key}"]
    return ("\r\n".join(lines) + "\r\n" + framing + "\r\n").encode()


def _check_refused(router: RouterProcess, writes: list[bytes], status: int, reason: str) -> None:
    """Send ``writes`` then a pipelined request: one ``status`` answer, closed, one log line."""
    mark = _quiet_mark(router)
    received, closed = _exchange(router.url, *writes[:-1], writes[-1] + PIPELINED)
    assert _statuses(received) == [status]
    assert closed
    assert b'"ready"' not in received  # the pipelined request was not served
    lines = _logged_since(router, mark, REFUSED)
    assert lines == [f"{REFUSED}{reason} ({status}, connection closed)"]


@pytest.mark.parametrize(
    "framing",
    [
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
    ],
)
def test_content_length_with_transfer_encoding_is_400_and_closes(
    router: RouterProcess, stub_upstream: StubUpstream, framing: str
) -> None:
    request = _api_head(framing) + b"5\r\nhello\r\n0\r\n\r\n"
    _check_refused(router, [request], 400, "both Content-Length and Transfer-Encoding")
    assert stub_upstream.calls == 0


@pytest.mark.parametrize(
    ("framing", "body", "status", "reason"),
    [
        ("Transfer-Encoding: chunked", b"zz\r\nhello\r\n0\r\n\r\n", 400, "malformed request"),
        ("Transfer-Encoding: gzip, chunked", b"0\r\n\r\n", 501, "unsupported transfer coding"),
    ],
    ids=["bad-chunk-size", "gzip"],
)
@pytest.mark.parametrize("protocol_headers", [True, False], ids=["body-awaited", "answered-early"])
def test_framing_that_does_not_parse_is_refused_and_closes(
    router: RouterProcess,
    framing: str,
    body: bytes,
    status: int,
    reason: str,
    protocol_headers: bool,
) -> None:
    """Whether the app waits for the body or answers at once (no protocol headers): one answer."""
    plain = f"POST {PATH} HTTP/1.1\r\nHost: x\r\n{framing}\r\n\r\n".encode()
    head = _api_head(framing + "\r\n") if protocol_headers else plain
    _check_refused(router, [head + body], status, reason)


def _big_head(size: int) -> bytes:
    return b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * size + b"\r\n\r\n"


@pytest.mark.parametrize("pieces", [1, 60], ids=["one-write", "many-writes"])
def test_a_head_over_16_kib_is_431_and_closes(router: RouterProcess, pieces: int) -> None:
    head = _big_head(60_000)
    size = -(-len(head) // pieces)
    writes = [head[i : i + size] for i in range(0, len(head), size)]
    _check_refused(router, writes, 431, "request head over 16384 bytes")


def test_a_head_within_16_kib_is_served(router: RouterProcess) -> None:
    last = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    received, closed = _exchange(router.url, _big_head(15_000) + last)
    assert _statuses(received) == [200, 200]
    assert closed


def test_a_nul_in_a_path_is_404_without_a_traceback(router: RouterProcess) -> None:
    mark = _quiet_mark(router)
    request = b"GET /demo/%00.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    received, _ = _exchange(router.url, request)
    assert _statuses(received) == [404]
    lines = _logged_since(router, mark, "request {")
    assert len(lines) == 1 and '"status":404' in lines[0]


def test_an_unexpected_error_is_logged_on_one_line_without_its_message() -> None:
    """What uvicorn logs for an exception in the app, through the router's log set-up."""
    script = (
        "import logging\n"
        "from nomyo_router.runner import configure_logging\n"
        "configure_logging('info')\n"
        "try:\n"
        "    raise ValueError('request text')\n"
        "except ValueError as error:\n"
        "    logging.getLogger('uvicorn.error').error('Exception in ASGI\\n', exc_info=error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=checkout_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stderr == "ERROR uvicorn.error: Exception in ASGI (ValueError)\n"

"""Oversized and slow requests: the router stops reading, answers, and keeps serving others.

Raw sockets, because an HTTP client library will not send a lying Content-Length
or dribble headers a byte at a time.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from nomyo_web.protocol import MAX_ENVELOPE_BYTES, encode_public_key_header
from tests.support.keys import shared_private_key
from tests.support.router import RouterProcess, start_router

PATH = "/v1/chat/secure_completion"


@pytest.fixture(scope="module")
def strict_router(stub_upstream_server, server_key_file) -> Iterator[RouterProcess]:
    with start_router(
        "--upstream",
        stub_upstream_server.url,
        "--key-file",
        str(server_key_file),
        "--header-timeout",
        "1",
        "--body-timeout",
        "1",
    ) as router:
        yield router


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    return sock


def _head(length: int) -> bytes:
    key = encode_public_key_header(shared_private_key().public.pem)
    return (
        f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
        f"X-Payload-ID: slow-1\r\nX-Public-Key: {key}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def _read_status(sock: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1]) if data else 0


def _serves(router: RouterProcess) -> bool:
    return httpx.get(router.url + "/healthz", timeout=5).status_code == 200


def test_declared_oversized_body_is_413_before_reading_it(strict_router, stub_upstream) -> None:
    with _connect(strict_router.url) as sock:
        sock.sendall(_head(MAX_ENVELOPE_BYTES + 1))  # ... and not one byte of the body
        assert _read_status(sock) == 413
    assert _serves(strict_router) and stub_upstream.calls == 0


def test_chunked_body_past_the_limit_is_cut_off_with_413(strict_router, stub_upstream) -> None:
    chunk = b"A" * (1 << 20)
    sent, status = 0, 0
    with _connect(strict_router.url) as sock:
        sock.sendall(_head(0).replace(b"Content-Length: 0\r\n", b"Transfer-Encoding: chunked\r\n"))
        while sent < 2 * MAX_ENVELOPE_BYTES:
            if select.select([sock], [], [], 0)[0]:  # the router answered: stop sending
                status = _read_status(sock)
                break
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):
                status = _read_status(sock)
                break
            sent += len(chunk)
    assert status == 413, f"no 413 after {sent} bytes"
    assert sent < 2 * MAX_ENVELOPE_BYTES
    assert _serves(strict_router) and stub_upstream.calls == 0


def test_slowloris_headers_are_timed_out_while_others_are_served(strict_router) -> None:
    with _connect(strict_router.url) as sock:
        sock.sendall(b"POST " + PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < 8:
            assert _serves(strict_router)  # served meanwhile
            try:
                sock.sendall(b"X-Slow: a\r\n")
                sock.settimeout(0.3)
                if sock.recv(1) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
        assert closed, "the router kept a connection whose headers never finished"


def test_slow_body_gets_408_while_others_are_served(strict_router, stub_upstream) -> None:
    with _connect(strict_router.url) as sock:
        sock.sendall(_head(1000))
        sock.sendall(b"{")
        assert _serves(strict_router)
        status = _read_status(sock)
    assert status == 408
    assert _serves(strict_router) and stub_upstream.calls == 0


def test_truncated_body_then_hang_up_leaves_the_router_serving(strict_router) -> None:
    for _ in range(20):
        with _connect(strict_router.url) as sock:
            sock.sendall(_head(5000) + b'{"version": "1.0", "alg')
    assert _serves(strict_router)

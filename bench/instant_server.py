"""Instant HTTP/1.1 servers for the benchmark, on asyncio, keep-alive, backlog 1024.

``python -m bench.instant_server floor --response-bytes N`` answers every
request with N bytes of JSON-shaped filler after reading its whole body: the
floor's "one loopback round trip", charging nothing a real server adds.

``python -m bench.instant_server upstream`` is the instant OpenAI-compatible
engine behind the router: ``POST .../chat/completions`` gets the same
deterministic ``chat.completion`` as ``tests.support.stub_upstream`` (the last
user message echoed), with no thread per connection, so it neither queues
nor resets connections at 128 requests in flight.

Both print ``... on http://127.0.0.1:PORT`` once bound.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
from collections.abc import Callable

from tests.support.stub_upstream import make_completion

Responder = Callable[[bytes, bytes], bytes]


def _http(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


class _Protocol(asyncio.Protocol):
    def __init__(self, respond: Responder) -> None:
        self._respond = respond
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = bytes(self._buffer[:end]).split(b"\r\n")
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            total = end + 4 + length
            if len(self._buffer) < total:
                return
            body = bytes(self._buffer[end + 4 : total])
            del self._buffer[:total]
            assert self._transport is not None
            self._transport.write(self._respond(lines[0], body))


def floor_responder(size: int) -> Responder:
    answer = _http("200 OK", b'{"x":"' + b"a" * max(0, size - 8) + b'"}')
    return lambda _line, _body: answer


def upstream_responder() -> Responder:
    numbers = itertools.count(1)

    def respond(line: bytes, body: bytes) -> bytes:
        if not line.split(b" ")[1].rstrip(b"/").endswith(b"/chat/completions"):
            return _http("404 Not Found", b'{"error":{"message":"not found"}}')
        try:
            request = json.loads(body)
        except ValueError:
            request = {}
        completion = make_completion(request if isinstance(request, dict) else {}, next(numbers))
        return _http("200 OK", json.dumps(completion).encode())

    return respond


async def _serve(respond: Responder, label: str) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Protocol(respond), "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"{label} on http://127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("role", choices=["floor", "upstream"])
    parser.add_argument("--response-bytes", type=int, default=1500)
    args = parser.parse_args()
    if args.role == "floor":
        respond, label = floor_responder(args.response_bytes), "floor server"
    else:
        respond, label = upstream_responder(), "instant upstream"
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(respond, label))


if __name__ == "__main__":
    main()

"""The floor's server: the least an HTTP/1.1 server can do for one sealed exchange.

``python -m bench.floor_server --response-bytes N`` prints ``floor server on
http://127.0.0.1:PORT`` and answers every request (keep-alive) with N bytes of
JSON-shaped filler, after reading the whole request body. No parsing beyond
the header block and Content-Length: it stands for "one loopback round trip",
so the floor charges nothing a real server adds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib


class _FloorProtocol(asyncio.Protocol):
    def __init__(self, answer: bytes) -> None:
        self._answer = answer
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
            length = 0
            for line in bytes(self._buffer[:end]).split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            total = end + 4 + length
            if len(self._buffer) < total:
                return
            del self._buffer[:total]
            assert self._transport is not None
            self._transport.write(self._answer)


def _answer(size: int) -> bytes:
    body = b'{"x":"' + b"a" * max(0, size - 8) + b'"}'
    head = (
        f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


async def _serve(size: int) -> None:
    loop = asyncio.get_running_loop()
    answer = _answer(size)
    server = await loop.create_server(lambda: _FloorProtocol(answer), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"floor server on http://127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--response-bytes", type=int, default=1500)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.response_bytes))


if __name__ == "__main__":
    main()

"""The plain reverse proxy an operator without end-to-end encryption would run instead.

``python bench/plain_proxy.py --upstream URL`` serves, on the router's own server
stack (``nomyo_router.serve``: the same uvicorn settings, HTTP protocol, socket and
signals), a bare ASGI app that reads each request's body, POSTs it to
``URL/chat/completions`` over one reused ``aiohttp`` connection pool, and sends
the answer's status and bytes back: no crypto, no JSON, no framework, no policy.
It prints ``listening on http://HOST:PORT`` once it accepts.

Run as a script with only the router's source tree on the import path (it imports
nothing from ``bench``), so it can stand on another checkout's server stack.
"""

from __future__ import annotations

import argparse
import socket
from typing import Any

import aiohttp

from nomyo_router.config import RouterConfig
from nomyo_router.serve import bind_socket, serve

Scope = dict[str, Any]
_JSON = [(b"content-type", b"application/json")]


class PlainProxy:
    """The ASGI app: one ``aiohttp.ClientSession`` opened at start-up, closed at shutdown."""

    def __init__(self, upstream: str) -> None:
        self.url = upstream.rstrip("/") + "/chat/completions"
        self.session: aiohttp.ClientSession | None = None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._forward(receive, send)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=30.0)
                self.session = aiohttp.ClientSession(connector=connector)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.session is not None:
                    await self.session.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _forward(self, receive: Any, send: Any) -> None:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        assert self.session is not None
        headers = {"Content-Type": "application/json"}
        async with self.session.post(self.url, data=b"".join(chunks), headers=headers) as answer:
            status, body = answer.status, await answer.read()
        headers_out = [*_JSON, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers_out})
        await send({"type": "http.response.body", "body": body})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--upstream", required=True)
    args = parser.parse_args()
    config = RouterConfig(host="127.0.0.1", port=0, log_level="warning")
    sock: socket.socket = bind_socket(config.host, config.port)

    def announce(url: str) -> None:
        print(f"listening on {url}", flush=True)

    try:
        return serve(config, PlainProxy(args.upstream), sock, announce)
    finally:
        sock.close()


if __name__ == "__main__":
    raise SystemExit(main())

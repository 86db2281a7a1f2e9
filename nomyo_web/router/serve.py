"""Running the app under uvicorn: our own bound socket, timeouts, signals, drain.

The socket is bound (and listening) before uvicorn starts, so the announcement
``listening on http://HOST:PORT`` names the real port and is made only once
uvicorn accepts on it. SIGTERM and SIGINT stop accepting, let in-flight
requests finish (up to ``drain_timeout``) and return normally, so the process
exits 0. SIGHUP re-reads the key file.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .config import RouterConfig
from .server_key import ServerKeys

__all__ = ["bind_socket", "listening_url", "serve"]

logger = logging.getLogger("nomyo_web.router")
MAX_HEADER_BYTES = 16 * 1024


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``0`` picks a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def listening_url(sock: socket.socket, tls: bool) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"{'https' if tls else 'http'}://{shown}:{port}"


def _guarded_h11(header_timeout: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing connections whose request headers dawdle."""

    class GuardedH11(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def _is_between_requests(self) -> bool:
            return self.cycle is None or self.cycle.response_complete

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _expire(self) -> None:
            self._header_timer = None
            if self._is_between_requests() and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._header_timer = self.loop.call_later(header_timeout, self._expire)

        def data_received(self, data: bytes) -> None:
            if self._is_between_requests() and self._header_timer is None:
                self._header_timer = self.loop.call_later(header_timeout, self._expire)
            super().data_received(data)
            if not self._is_between_requests():
                self._disarm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return GuardedH11


class _AnnouncingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, announce: Callable[[], None]) -> None:
        super().__init__(config)
        self._announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            self._announce()


def uvicorn_config(config: RouterConfig, app: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        http=_guarded_h11(config.header_timeout),
        lifespan="on",
        log_config=None,
        access_log=False,
        timeout_keep_alive=int(max(1, config.keep_alive_timeout)),
        timeout_graceful_shutdown=int(config.drain_timeout),
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        ssl_certfile=str(config.tls_cert) if config.tls_cert else None,
        ssl_keyfile=str(config.tls_key) if config.tls_key else None,
        server_header=False,
    )


def _ignore(sig: int, frame: FrameType | None) -> None:
    """Stands in for the default handlers uvicorn re-raises after a graceful stop."""


async def _serve(server: uvicorn.Server, sock: socket.socket, keys: ServerKeys) -> None:
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGHUP, lambda: loop.run_in_executor(None, keys.reload))
    try:
        await server.serve(sockets=[sock])
    finally:
        loop.remove_signal_handler(signal.SIGHUP)


def serve(
    config: RouterConfig,
    app: Any,
    keys: ServerKeys,
    sock: socket.socket,
    announce: Callable[[str], None],
) -> int:
    """Serve ``app`` on ``sock`` until SIGTERM/SIGINT; returns the exit status."""
    url = listening_url(sock, config.tls_cert is not None)
    server = _AnnouncingServer(uvicorn_config(config, app), lambda: announce(url))
    signal.signal(signal.SIGTERM, _ignore)
    signal.signal(signal.SIGINT, _ignore)
    asyncio.run(_serve(server, sock, keys))
    return 0 if server.started else 1

"""Running the app under uvicorn: our own bound socket, timeouts, signals, drain.

The socket is bound (and listening) before uvicorn starts, so the announcement
``listening on http://HOST:PORT`` names the real port and is made only once
uvicorn accepts on it. SIGTERM and SIGINT stop accepting, let in-flight
requests finish (up to ``drain_timeout``) and return normally, so the process
exits 0. (The app's lifespan makes SIGHUP re-read the key file.)

The event loop is uvloop wherever it is installed (a dependency everywhere but
Windows), in one process and in every worker alike: its loop and transports
cost less per request than asyncio's own, most of all on the thread hop each
request makes for its RSA decrypt.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import signal
import socket
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn

from .config import RouterConfig
from .http11 import MAX_HEADER_BYTES, GuardedH11

__all__ = ["bind_socket", "event_loop", "listening_url", "serve"]

logger = logging.getLogger("nomyo_web.router")


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``0`` picks a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this. asyncio sets TCP_NODELAY itself only on sockets
    # made with proto=IPPROTO_TCP, which this one is not; without it, h11's separate
    # header and body writes wait for the client's delayed ACK (~40 ms per answer).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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


class _AnnouncingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, announce: Callable[[], None]) -> None:
        super().__init__(config)
        self._announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            self._announce()


def event_loop() -> str:
    """uvicorn's name for the loop the router runs on: uvloop if installed, else asyncio."""
    return "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"


def uvicorn_config(config: RouterConfig, app: Any, **options: Any) -> uvicorn.Config:
    """uvicorn's settings for ``config``; ``app`` may be an import string (with options)."""
    settings = uvicorn.Config(
        app,
        loop=event_loop(),
        http=GuardedH11,
        lifespan="on",
        log_config=None,
        access_log=False,
        timeout_keep_alive=int(max(1, config.keep_alive_timeout)),
        timeout_graceful_shutdown=int(config.drain_timeout),
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        ssl_certfile=str(config.tls_cert) if config.tls_cert else None,
        ssl_keyfile=str(config.tls_key) if config.tls_key else None,
        server_header=False,
        # X-Forwarded-For/-Proto only from the proxies the operator named; uvicorn's own
        # default trusts loopback (and $FORWARDED_ALLOW_IPS), which would let anyone behind
        # a same-host proxy be whatever address they claim.
        proxy_headers=bool(config.trusted_proxies),
        forwarded_allow_ips=list(config.trusted_proxies),
        **options,
    )
    settings.nomyo_header_timeout = config.header_timeout  # type: ignore[attr-defined]
    return settings


def _ignore(sig: int, frame: FrameType | None) -> None:
    """Stands in for the default handlers uvicorn re-raises after a graceful stop."""


def serve(
    config: RouterConfig,
    app: Any,
    sock: socket.socket,
    announce: Callable[[str], None],
) -> int:
    """Serve ``app`` on ``sock`` until SIGTERM/SIGINT; returns the exit status."""
    url = listening_url(sock, config.tls_cert is not None)
    settings = uvicorn_config(config, app)
    server = _AnnouncingServer(settings, lambda: announce(url))
    signal.signal(signal.SIGTERM, _ignore)
    signal.signal(signal.SIGINT, _ignore)
    with asyncio.Runner(loop_factory=settings.get_loop_factory()) as runner:
        runner.run(server.serve(sockets=[sock]))
    return 0 if server.started else 1

"""From a ``RouterConfig`` to a serving process: key, engine, socket, app, uvicorn."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from .app import EngineUnavailableError, build_app, build_engine
from .config import RouterConfig
from .relay import RelaySettings, relay_app
from .serve import bind_socket, serve
from .server_key import ServerKeyError, ServerKeys
from .state import state_kind

__all__ = ["OneLineFormatter", "build_served_app", "configure_logging", "run"]

logger = logging.getLogger("nomyo_web.router")


class OneLineFormatter(logging.Formatter):
    """Every record on one line; an exception shows as its type alone.

    No traceback and no exception message reach the log: either may quote
    request content (uvicorn logs unexpected errors with their traceback).
    """

    def format(self, record: logging.LogRecord) -> str:
        message = " ".join(record.getMessage().split())
        if record.exc_info and record.exc_info[0] is not None:
            message += f" ({record.exc_info[0].__name__})"
        return f"{record.levelname} {record.name}: {message}"


def configure_logging(level: str) -> None:
    """Our log lines (and uvicorn's warnings) to stderr at ``level``, one line each."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter())
    for name in ("nomyo_web", "uvicorn"):
        log = logging.getLogger(name)
        log.handlers[:] = [handler]
        log.setLevel(level.upper() if name == "nomyo_web" else "WARNING")
        log.propagate = False


def build_served_app(config: RouterConfig) -> Starlette:
    """What a worker serves for ``config``: the router, or with ``--relay`` the relay."""
    if config.relay is not None:
        return relay_app(RelaySettings.from_config(config))
    keys = ServerKeys.load(config.key_file, config.key_grace)
    return build_app(config, keys, build_engine(config))


def _run_relay(config: RouterConfig, announce: Callable[[str], None]) -> int:
    """The relay: no key to load, no engine; the same socket, serving and workers."""
    try:
        sock = bind_socket(config.host, config.port)
    except OSError as error:
        logger.error("cannot listen on %s:%d: %s", config.host, config.port, error.strerror)
        return 2
    logger.info("relay to %s (no private key held; envelopes are not opened)", config.relay)
    try:
        if config.workers > 1:
            from .workers import serve_workers

            return serve_workers(config, sock, announce)
        return serve(config, build_served_app(config), sock, announce)
    finally:
        sock.close()


def run(
    config: RouterConfig, announce: Callable[[str], None], routes: Sequence[BaseRoute] = ()
) -> int:
    """Serve until SIGTERM/SIGINT; returns the process exit status (2 on a setup error).

    ``routes`` are served beside the protocol's (one worker only: workers build
    their app from ``config`` alone).
    """
    if routes and config.workers > 1:
        raise ValueError("extra routes need --workers 1")
    if config.relay is not None:
        return _run_relay(config, announce)
    try:
        keys = ServerKeys.load(config.key_file, config.key_grace)  # creates the file once
        engine = build_engine(config)
        sock = bind_socket(config.host, config.port)
    except (ServerKeyError, EngineUnavailableError) as error:
        logger.error("%s", error)
        return 2
    except OSError as error:
        logger.error("cannot listen on %s:%d: %s", config.host, config.port, error.strerror)
        return 2
    state = state_kind(config.state, config.workers)
    logger.info(
        "server key fingerprint %s (engine: %s, state: %s)", keys.fingerprint, engine.name, state
    )
    try:
        if config.workers > 1:
            from .workers import serve_workers

            return serve_workers(config, sock, announce)
        return serve(config, build_app(config, keys, engine, routes), sock, announce)
    finally:
        sock.close()

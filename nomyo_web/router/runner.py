"""From a ``RouterConfig`` to a serving process: key, engine, socket, app, uvicorn."""

from __future__ import annotations

import logging
from collections.abc import Callable

from .app import EngineUnavailableError, build_app, build_engine
from .config import RouterConfig
from .serve import bind_socket, serve
from .server_key import ServerKeyError, ServerKeys

__all__ = ["run"]

logger = logging.getLogger("nomyo_web.router")


def run(config: RouterConfig, announce: Callable[[str], None]) -> int:
    """Serve until SIGTERM/SIGINT; returns the process exit status (2 on a setup error)."""
    try:
        keys = ServerKeys.load(config.key_file, config.key_grace)
        engine = build_engine(config)
        app = build_app(config, keys, engine)
        sock = bind_socket(config.host, config.port)
    except (ServerKeyError, EngineUnavailableError) as error:
        logger.error("%s", error)
        return 2
    except OSError as error:
        logger.error("cannot listen on %s:%d: %s", config.host, config.port, error.strerror)
        return 2
    logger.info("server key fingerprint %s (engine: %s)", keys.fingerprint, engine.name)
    try:
        return serve(config, app, keys, sock, announce)
    finally:
        sock.close()

"""``--workers N``: N uvicorn worker processes sharing one socket and one key file.

The parent binds the socket and makes sure the key file exists before any
worker starts, so all workers load the same key. Unless ``--state`` names a
store, the parent also makes the one the workers share: a SQLite database in a
private temporary folder, removed when the parent exits. Each worker builds its own
app from the config (passed through the environment, as uvicorn spawns fresh
interpreters). SIGHUP is forwarded so every worker re-reads the key file with
the usual grace; SIGTERM/SIGINT drain every worker.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import logging
import os
import pickle
import signal
import socket
from collections.abc import Callable, Iterator

from starlette.applications import Starlette
from uvicorn.supervisors.multiprocess import Multiprocess

from .config import RouterConfig
from .serve import listening_url, uvicorn_config
from .state import sqlite_spec

__all__ = ["serve_workers", "worker_app"]

CONFIG_ENV = "NOMYO_ROUTER_WORKER_CONFIG"
logger = logging.getLogger("nomyo_web.router")


class _Supervisor(Multiprocess):
    def __init__(self, *args: object, announce: Callable[[], None], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._announce = announce

    def init_processes(self) -> None:
        super().init_processes()
        for process in self.processes:
            process.wait_until_ready(120, self.should_exit)
        if not self.should_exit.is_set():
            self._announce()

    def handle_hup(self) -> None:
        for process in self.processes:
            if process.process.pid is not None:
                os.kill(process.process.pid, signal.SIGHUP)


def worker_app() -> Starlette:
    """The app factory a worker process imports (``nomyo_router.workers:worker_app``)."""
    from .runner import build_served_app, configure_logging

    config: RouterConfig = pickle.loads(base64.b64decode(os.environ[CONFIG_ENV]))
    configure_logging(config.log_level)
    return build_served_app(config)


def serve_workers(
    config: RouterConfig, sock: socket.socket, announce: Callable[[str], None]
) -> int:
    """Run ``config.workers`` worker processes on ``sock`` until SIGTERM/SIGINT."""
    with _shared_state(config) as config:
        os.environ[CONFIG_ENV] = base64.b64encode(pickle.dumps(config)).decode("ascii")
        settings = uvicorn_config(
            config, "nomyo_router.workers:worker_app", factory=True, workers=config.workers
        )
        url = listening_url(sock, config.tls_cert is not None)
        _Supervisor(settings, [sock], announce=lambda: announce(url)).run()
    return 0


@contextlib.contextmanager
def _shared_state(config: RouterConfig) -> Iterator[RouterConfig]:
    """``config`` with a state store every worker shares (a private SQLite file if none)."""
    if config.state is not None:
        yield config
        return
    from .state.sqlite_store import private_database

    with private_database() as path:
        yield dataclasses.replace(config, state=sqlite_spec(path))

"""Where the router keeps what must hold across requests: rate-limit buckets, answered ids.

``--state`` names the backend (``parse_state``), ``open_store`` opens it:

* ``memory``: in this process (``memory_store``); the default with one worker.
* ``sqlite:///PATH``: a SQLite file every process on this machine opens
  (``sqlite_store``); with ``--workers N`` and no ``--state``, the parent makes
  one in a private temporary folder.
* ``redis://HOST:PORT/DB`` (also ``rediss://``, ``unix://``): a Redis server
  several routers and machines share (``redis_store``; needs the ``redis`` extra).

All three implement ``base.StateStore``; ``policy`` uses nothing else.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from .base import (
    BucketShape,
    Claim,
    ClaimKind,
    ReplayBounds,
    StateStore,
    StateUnavailable,
)

__all__ = [
    "MEMORY",
    "BucketShape",
    "Claim",
    "ClaimKind",
    "ReplayBounds",
    "StateStore",
    "StateUnavailable",
    "open_store",
    "parse_state",
    "sqlite_spec",
    "state_kind",
]

MEMORY = "memory"
_SQLITE = "sqlite://"
_REDIS = ("redis://", "rediss://", "unix://")


def sqlite_spec(path: Path) -> str:
    """The ``--state`` value naming the SQLite file at ``path``."""
    return _SQLITE + str(path.resolve())


def state_kind(spec: str | None, workers: int) -> str:
    """What ``--state`` ``spec`` is, for the start-up log line (never the URL itself)."""
    if spec is None:
        return "sqlite, private to the workers" if workers > 1 else MEMORY
    return "redis" if spec.startswith(_REDIS) else spec.split(":", 1)[0]


def parse_state(text: str) -> str:
    """``text`` checked as a ``--state`` value; ValueError says what is wrong (never the URL,
    which may hold a password)."""
    if text == MEMORY:
        return text
    if text.startswith(_SQLITE):
        path = Path(text[len(_SQLITE) :])
        if not path.is_absolute() or not path.parent.is_dir():
            raise ValueError("sqlite:///PATH needs an absolute path in an existing folder")
        return text
    if text.startswith(_REDIS):
        if importlib.util.find_spec("redis") is None:
            raise ValueError(
                "a Redis store needs the redis package: pip install 'nomyo-router[redis]'"
            )
        from .redis_store import check_url

        check_url(text)
        return text
    raise ValueError("use memory, sqlite:///PATH or redis://HOST:PORT/DB")


def open_store(spec: str, bounds: ReplayBounds) -> StateStore:
    """The store ``spec`` (a ``parse_state`` value) names; connections open on first use."""
    if spec == MEMORY:
        from .memory_store import MemoryStore

        return MemoryStore(bounds)
    if spec.startswith(_SQLITE):
        from .sqlite_store import SqliteStore

        return SqliteStore(Path(spec[len(_SQLITE) :]), bounds)
    from .redis_store import RedisStore

    return RedisStore(spec, bounds)

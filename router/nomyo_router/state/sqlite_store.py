"""The one-machine store: a SQLite database in WAL mode that every worker opens.

The default with ``--workers N`` (the parent makes a private temporary folder
for it before the workers start and removes it at exit); ``--state
sqlite:///PATH`` names a file several router processes on one machine share.
Nothing to install or run: SQLite is in the standard library.

Each operation is one ``BEGIN IMMEDIATE`` transaction, so a claim or a token
taken in one process is seen by the next transaction of any other. Calls run
on one thread per process: a transaction waiting for another process's lock
never blocks the event loop. Commits do not fsync (WAL with
``synchronous=NORMAL``): the state is worth keeping only while the routers run.
Times are wall-clock seconds, the one clock every process (and a restarted
router reading an old file) agrees on. Trigger-kept totals make the byte and
entry bounds cheap to check on every store.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from ..worker_threads import WorkerThreads
from .base import (
    MAX_BUCKETS,
    BucketShape,
    Claim,
    ClaimKind,
    ReplayBounds,
    StateStore,
    StoreHealth,
)

__all__ = ["SqliteStore", "create_database", "private_database"]

_T = TypeVar("_T")
BUSY_TIMEOUT = 5.0  # seconds a transaction waits for another process's lock; then 503

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS bucket (
        name TEXT PRIMARY KEY, tokens REAL NOT NULL, seen REAL NOT NULL, full_at REAL NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS bucket_seen ON bucket (seen)",
    "CREATE INDEX IF NOT EXISTS bucket_full ON bucket (full_at)",
    """CREATE TABLE IF NOT EXISTS replay (
        id TEXT PRIMARY KEY, fingerprint BLOB NOT NULL, owner TEXT, answer BLOB,
        size INTEGER NOT NULL DEFAULT 0, expires REAL NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS replay_expires ON replay (expires)",
    "CREATE INDEX IF NOT EXISTS replay_stored ON replay (expires) WHERE answer IS NOT NULL",
    """CREATE TABLE IF NOT EXISTS replay_totals (
        one INTEGER PRIMARY KEY CHECK (one = 1), entries INTEGER NOT NULL, bytes INTEGER NOT NULL
    )""",
    "INSERT OR IGNORE INTO replay_totals VALUES (1, 0, 0)",
    """CREATE TRIGGER IF NOT EXISTS replay_stored_counts AFTER UPDATE OF answer ON replay
        WHEN OLD.answer IS NULL AND NEW.answer IS NOT NULL
        BEGIN UPDATE replay_totals SET entries = entries + 1, bytes = bytes + NEW.size; END""",
    """CREATE TRIGGER IF NOT EXISTS replay_dropped_counts AFTER DELETE ON replay
        WHEN OLD.answer IS NOT NULL
        BEGIN UPDATE replay_totals SET entries = entries - 1, bytes = bytes - OLD.size; END""",
)


def _connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, schema in place."""
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # answers are no one else's
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
    try:
        _use_wal(db)
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("BEGIN IMMEDIATE")
        for statement in _SCHEMA:
            db.execute(statement)
        db.execute("COMMIT")
    except BaseException:
        db.close()
        raise
    return db


def _use_wal(db: sqlite3.Connection) -> None:
    """Switch the file to WAL unless it is already; wait while another opener holds it.

    SQLite answers a journal-mode change "database is locked" at once, without
    its busy timeout, while another connection holds a write lock, as when two
    processes open a new file at the same moment; so this waits here instead.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT
    while db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def create_database(path: Path) -> None:
    """Make ``path`` a ready state database (the parent does this before workers start)."""
    _connect(path).close()


@contextlib.contextmanager
def private_database() -> Iterator[Path]:
    """A new state database in a private (mode 0700) temporary folder, removed at the end."""
    folder = Path(tempfile.mkdtemp(prefix="nomyo-router-state-"))
    try:
        path = folder / "state.db"
        create_database(path)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class SqliteStore(StateStore):
    name = "sqlite"

    def __init__(self, path: Path, bounds: ReplayBounds) -> None:
        self.path = path
        self.bounds = bounds
        self._health = StoreHealth(self.name)
        self._thread = WorkerThreads(1, name="nomyo-state")
        self._db: sqlite3.Connection | None = None

    async def take(self, bucket: str, shape: BucketShape, cost: int) -> float:
        return await self._call(_take, bucket, shape, cost)

    async def claim(self, payload_id: str, fingerprint: bytes, owner: str, lease: float) -> Claim:
        return await self._call(_claim, payload_id, fingerprint, owner, lease)

    async def renew(self, payload_id: str, owner: str, lease: float) -> None:
        await self._call(_renew, payload_id, owner, lease)

    async def release(self, payload_id: str, owner: str) -> None:
        await self._call(_release, payload_id, owner)

    async def keep(self, payload_id: str, owner: str, answer: bytes) -> None:
        await self._call(_keep, payload_id, owner, answer, self.bounds)

    async def changed(self, payload_id: str, timeout: float) -> None:
        await asyncio.sleep(timeout)  # polled: another process cannot wake this one

    async def ping(self) -> None:
        await self._call(_ping)

    async def aclose(self) -> None:
        await self._thread.run(self._close)
        self._thread.close()

    async def _call(self, operation: Callable[..., _T], *args: Any) -> _T:
        try:
            result: _T = await self._thread.run(self._transaction, operation, args)
        except sqlite3.Error as error:
            raise self._health.failed(error) from None
        self._health.succeeded()
        return result

    def _transaction(self, operation: Callable[..., _T], args: tuple[Any, ...]) -> _T:
        """``operation(db, now, *args)`` in one write transaction, on the store's thread."""
        if self._db is None:
            self._db = _connect(self.path)
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            result = operation(db, time.time(), *args)
            db.execute("COMMIT")
        except BaseException:
            self._close()  # a fresh connection next time, whatever state this one is in
            raise
        return result

    def _close(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            db.close()  # an open transaction is rolled back


def _ping(db: sqlite3.Connection, now: float) -> None:
    db.execute("SELECT 1 FROM replay_totals").fetchone()


def _take(db: sqlite3.Connection, now: float, bucket: str, shape: BucketShape, cost: int) -> float:
    row = db.execute("SELECT tokens, seen FROM bucket WHERE name = ?", (bucket,)).fetchone()
    tokens = shape.capacity
    if row is not None:
        tokens = min(shape.capacity, row[0] + max(0.0, now - row[1]) * shape.per_second)
    left = tokens - cost if tokens >= cost else tokens
    if left >= shape.capacity:
        db.execute("DELETE FROM bucket WHERE name = ?", (bucket,))
        return tokens
    full_at = now + (shape.capacity - left) / shape.per_second
    db.execute("INSERT OR REPLACE INTO bucket VALUES (?, ?, ?, ?)", (bucket, left, now, full_at))
    if row is None:
        _bound_buckets(db, now)
    return tokens


def _bound_buckets(db: sqlite3.Connection, now: float) -> None:
    """Forget buckets that are full again, then the least recently seen past the count."""
    db.execute("DELETE FROM bucket WHERE full_at <= ?", (now,))
    (count,) = db.execute("SELECT count(*) FROM bucket").fetchone()
    if count > MAX_BUCKETS:
        db.execute(
            "DELETE FROM bucket WHERE name IN (SELECT name FROM bucket ORDER BY seen LIMIT ?)",
            (count - MAX_BUCKETS,),
        )


def _claim(
    db: sqlite3.Connection,
    now: float,
    payload_id: str,
    fingerprint: bytes,
    owner: str,
    lease: float,
) -> Claim:
    row = db.execute(
        "SELECT fingerprint, answer, expires FROM replay WHERE id = ?", (payload_id,)
    ).fetchone()
    if row is not None and row[2] <= now:  # expired, or a lapsed claim of a vanished process
        db.execute("DELETE FROM replay WHERE id = ?", (payload_id,))
        row = None
    if row is None:
        db.execute(
            "INSERT INTO replay (id, fingerprint, owner, expires) VALUES (?, ?, ?, ?)",
            (payload_id, fingerprint, owner, now + lease),
        )
        return Claim(ClaimKind.CLAIMED)
    if bytes(row[0]) != fingerprint:
        return Claim(ClaimKind.CONFLICT)
    if row[1] is not None:
        return Claim(ClaimKind.STORED, bytes(row[1]))
    return Claim(ClaimKind.RUNNING)


_RUNNING_CLAIM = "id = ? AND owner = ? AND answer IS NULL"


def _renew(db: sqlite3.Connection, now: float, payload_id: str, owner: str, lease: float) -> None:
    db.execute(
        f"UPDATE replay SET expires = ? WHERE {_RUNNING_CLAIM}", (now + lease, payload_id, owner)
    )


def _release(db: sqlite3.Connection, now: float, payload_id: str, owner: str) -> None:
    db.execute(f"DELETE FROM replay WHERE {_RUNNING_CLAIM}", (payload_id, owner))


def _keep(
    db: sqlite3.Connection,
    now: float,
    payload_id: str,
    owner: str,
    answer: bytes,
    bounds: ReplayBounds,
) -> None:
    if len(answer) > bounds.max_bytes:
        _release(db, now, payload_id, owner)
        return
    stored = db.execute(
        f"UPDATE replay SET answer = ?, size = ?, owner = NULL, expires = ? WHERE {_RUNNING_CLAIM}",
        (answer, len(answer), now + bounds.ttl, payload_id, owner),
    ).rowcount
    if not stored:
        return  # the claim lapsed and another attempt holds the id now
    db.execute("DELETE FROM replay WHERE expires <= ?", (now,))
    while True:
        entries, size = db.execute("SELECT entries, bytes FROM replay_totals").fetchone()
        if entries <= bounds.max_entries and size <= bounds.max_bytes:
            return
        db.execute(
            "DELETE FROM replay WHERE id = (SELECT id FROM replay WHERE answer IS NOT NULL "
            "ORDER BY expires LIMIT 1)"
        )

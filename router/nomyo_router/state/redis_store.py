"""The shared store: Redis (``--state redis://HOST:PORT/DB``), for several routers or machines.

Every operation is one Lua script (``redis_scripts``), so a claim, a token or
a stored answer is decided atomically on the server. Keys start with
``nomyo-router:``; routers of different deployments use different databases.

Connections come from a bounded pool (``MAX_CONNECTIONS`` per process); an
operation that gets no answer within ``TIMEOUT`` seconds, or a refused
connection, is ``StateUnavailable`` (503). A connection broken by a Redis
restart is retried once on a new one, so the first request after a restart
does not fail. The URL may carry a password: it is never logged.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from . import redis_scripts
from .base import BucketShape, Claim, ClaimKind, ReplayBounds, StateStore, StoreHealth

__all__ = ["RedisStore", "check_url"]

PREFIX = "nomyo-router:"
REPLAY = PREFIX + "{replay}:"
ENTRY = REPLAY + "id:"
TIMEOUT = 2.0
MAX_CONNECTIONS = 64


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def check_url(url: str) -> None:
    """Raises ValueError unless redis-py takes ``url`` (its message never quotes the URL)."""
    parts = urlsplit(url)
    database = parts.path.strip("/") if parts.scheme != "unix" else ""
    try:
        pool = aioredis.BlockingConnectionPool.from_url(url)
        pool.make_connection()  # type: ignore[no-untyped-call]  # settings only; no I/O
    except (ValueError, TypeError):
        pool = None
    if pool is None or not (database == "" or (database.isascii() and database.isdigit())):
        raise ValueError(
            "not a Redis URL: use redis://[:PASSWORD@]HOST:PORT/DB (or rediss://, unix://PATH)"
        )


class RedisStore(StateStore):
    name = "redis"

    def __init__(self, url: str, bounds: ReplayBounds) -> None:
        self.bounds = bounds
        self._health = StoreHealth(self.name)
        self._pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=MAX_CONNECTIONS,
            timeout=TIMEOUT,
            socket_timeout=TIMEOUT,
            socket_connect_timeout=TIMEOUT,
            retry=Retry(NoBackoff(), 1),
        )
        self._client = aioredis.Redis(connection_pool=self._pool)
        self._scripts: dict[str, AsyncScript] = {
            name: self._client.register_script(getattr(redis_scripts, name.upper()))
            for name in ("take", "claim", "renew", "release", "keep")
        }

    async def take(self, bucket: str, shape: BucketShape, cost: int) -> float:
        args = (repr(shape.capacity), repr(shape.per_second), cost)
        return float(await self._run("take", [PREFIX + "bucket:" + bucket], args))

    async def claim(self, payload_id: str, fingerprint: bytes, owner: str, lease: float) -> Claim:
        reply = await self._run("claim", [ENTRY + payload_id], (fingerprint, owner, _ms(lease)))
        kind = ClaimKind(reply[0].decode())
        return Claim(kind, bytes(reply[1]) if kind is ClaimKind.STORED else None)

    async def renew(self, payload_id: str, owner: str, lease: float) -> None:
        await self._run("renew", [ENTRY + payload_id], (owner, _ms(lease)))

    async def release(self, payload_id: str, owner: str) -> None:
        await self._run("release", [ENTRY + payload_id], (owner,))

    async def keep(self, payload_id: str, owner: str, answer: bytes) -> None:
        bounds = self.bounds
        keys = [ENTRY + payload_id, REPLAY + "order", REPLAY + "sizes", REPLAY + "bytes"]
        args = (owner, answer, _ms(bounds.ttl), bounds.max_entries, bounds.max_bytes)
        await self._run("keep", keys, (*args, payload_id, ENTRY))

    async def changed(self, payload_id: str, timeout: float) -> None:
        await asyncio.sleep(timeout)  # polled: cheaper than a subscription per waiter

    async def ping(self) -> None:
        await self._guarded(self._client.ping())

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._pool.disconnect()

    async def _run(self, script: str, keys: list[str], args: tuple[Any, ...]) -> Any:
        return await self._guarded(self._scripts[script](keys=keys, args=args))

    async def _guarded(self, operation: Any) -> Any:
        try:
            result = await operation
        except (RedisError, OSError) as error:
            raise self._health.failed(error) from None
        self._health.succeeded()
        return result

"""The upstream's public key, as the relay hands it to pages: fetched once, cached, refreshed.

The relay does not hold a key of its own; ``GET /pki/public_key`` is answered
with NOMYO's. The key is fetched on first use (concurrent first requests share
one fetch) and kept until ``max_age`` passes or the upstream shows it changed:
a forwarded request answered ``400 decryption_failed`` was sealed to a key the
upstream no longer accepts, so the next key request fetches again. That is at
most one fetch per such answer, and those cost a caller a whole (rate-limited)
request each.

Only a well-formed RSA public key of the protocol's sizes is cached and served;
the client checks it (and its pin) again in any case.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from nomyo_web.crypto import KeyFormatError
from nomyo_web.crypto.pyca import PycaBackend
from nomyo_web.protocol import PATH_PUBLIC_KEY

from ..problem import HTTPProblem
from .http1 import Http1Pool, UpstreamError, UpstreamTimeoutError

__all__ = ["CachedKey", "UpstreamKey"]

MAX_PEM_BYTES = 16_384
logger = logging.getLogger("nomyo_web.router")
_backend = PycaBackend()


@dataclass(frozen=True)
class CachedKey:
    pem: str
    fingerprint: str
    fetched_at: float


class UpstreamKey:
    """The upstream's key, fetched through the relay's connection pool."""

    def __init__(self, max_age: float = 300.0) -> None:
        self._max_age = max_age
        self._cached: CachedKey | None = None
        self._stale = False
        self._lock = asyncio.Lock()

    def mark_stale(self) -> None:
        """The upstream refused a request sealed to the cached key: fetch before serving it."""
        self._stale = True

    async def get(self, upstream: Http1Pool) -> CachedKey:
        """The current key; raises HTTPProblem 502/504 when it cannot be had."""
        async with self._lock:  # one fetch at a time; the waiters then find it cached
            cached = self._cached
            if cached is not None and not self._stale and not self._expired(cached):
                return cached
            self._stale = False
            self._cached = await self._fetch(upstream)
            if cached is not None and cached.fingerprint != self._cached.fingerprint:
                logger.info("upstream key changed: now %s", self._cached.fingerprint)
            return self._cached

    def _expired(self, cached: CachedKey) -> bool:
        return time.monotonic() - cached.fetched_at > self._max_age

    async def _fetch(self, upstream: Http1Pool) -> CachedKey:
        try:
            answer = await upstream.request("GET", PATH_PUBLIC_KEY, [], b"", MAX_PEM_BYTES)
        except UpstreamTimeoutError:
            raise HTTPProblem(504, "Upstream timed out") from None
        except UpstreamError as error:
            logger.warning("upstream key fetch failed: %s", error)  # the cause's type name
            raise HTTPProblem(502, "Upstream key unavailable") from None
        if answer.status != 200:
            logger.warning("upstream key fetch answered HTTP %d", answer.status)
            raise HTTPProblem(502, "Upstream key unavailable")
        return _checked(answer.body)


def _checked(body: bytes) -> CachedKey:
    try:
        key = _backend.load_public_key_sync(body.decode("ascii").strip() + "\n")
    except (KeyFormatError, UnicodeDecodeError):
        logger.warning("upstream key is not a valid RSA public key")
        raise HTTPProblem(502, "Upstream key unavailable") from None
    return CachedKey(key.pem, key.fingerprint, time.monotonic())

"""Token buckets by caller: ``per_minute`` a minute, in bursts of up to ``per_minute``.

The buckets live in the state store, so a limit holds across workers and
routers sharing it. A bucket is named by a hash of the caller (an API key or
an address), so no API key is ever written to the store.
"""

from __future__ import annotations

import hashlib

from ..problem import HTTPProblem
from ..state import BucketShape, StateStore

__all__ = ["RateLimiter"]


class RateLimiter:
    """One bucket per caller; an empty bucket is answered 429 with ``Retry-After``."""

    def __init__(
        self,
        store: StateStore,
        per_minute: int,
        *,
        scope: str = "requests",
        detail: str = "Rate limit exceeded",
    ) -> None:
        if per_minute <= 0:
            raise ValueError("the rate limit must be positive")
        self.store = store
        self.per_minute = per_minute
        self.shape = BucketShape(float(per_minute), per_minute / 60.0)
        self._scope = scope
        self._detail = detail

    async def check(self, caller: str) -> None:
        """Take one token for ``caller``; raises 429 when none is left."""
        self._refuse_below_one(await self._take(caller, 1))

    async def check_available(self, caller: str) -> None:
        """Raises 429 when ``caller`` has no token left; takes none."""
        self._refuse_below_one(await self._take(caller, 0))

    async def spend(self, caller: str) -> bool:
        """Take a token if ``caller`` has one; True when it was the last."""
        tokens = await self._take(caller, 1)
        return 1.0 <= tokens < 2.0

    async def _take(self, caller: str, cost: int) -> float:
        name = hashlib.sha256(caller.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return await self.store.take(f"{self._scope}:{name}", self.shape, cost)

    def _refuse_below_one(self, tokens: float) -> None:
        if tokens < 1.0:
            retry_after = (1.0 - tokens) / self.shape.per_second
            raise HTTPProblem(429, self._detail, retry_after=retry_after)

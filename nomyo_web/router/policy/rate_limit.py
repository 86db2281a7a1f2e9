"""A token bucket per API key (or per client address when no key is used)."""

from __future__ import annotations

import time
from collections import OrderedDict

from ..problem import HTTPProblem

__all__ = ["RateLimiter"]

_MAX_BUCKETS = 10_000


class RateLimiter:
    """``per_minute`` requests per minute per caller, with bursts up to ``per_minute``."""

    def __init__(self, per_minute: int) -> None:
        if per_minute <= 0:
            raise ValueError("the rate limit must be positive")
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def check(self, caller: str, now: float | None = None) -> None:
        """Take one token for ``caller``; raises 429 with ``Retry-After`` when none is left."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(caller, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - last) * self._rate)
        if tokens < 1.0:
            self._remember(caller, tokens, now)
            raise HTTPProblem(429, "Rate limit exceeded", retry_after=(1.0 - tokens) / self._rate)
        self._remember(caller, tokens - 1.0, now)

    def _remember(self, caller: str, tokens: float, now: float) -> None:
        self._buckets[caller] = (tokens, now)
        while len(self._buckets) > _MAX_BUCKETS:
            self._buckets.popitem(last=False)  # the least recently seen caller

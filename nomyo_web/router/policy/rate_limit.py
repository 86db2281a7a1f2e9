"""Token buckets by caller: ``per_minute`` a minute, in bursts of up to ``per_minute``."""

from __future__ import annotations

import time
from collections import OrderedDict

from ..problem import HTTPProblem

__all__ = ["RateLimiter"]

_MAX_BUCKETS = 10_000


class RateLimiter:
    """One bucket per caller; an empty bucket is answered 429 with ``Retry-After``.

    At most 10,000 buckets are kept; the least recently seen caller's goes first.
    """

    def __init__(self, per_minute: int, detail: str = "Rate limit exceeded") -> None:
        if per_minute <= 0:
            raise ValueError("the rate limit must be positive")
        self.per_minute = per_minute
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._detail = detail
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def check(self, caller: str, now: float | None = None) -> None:
        """Take one token for ``caller``; raises 429 when none is left."""
        self.check_available(caller, now)
        self.spend(caller, now)

    def check_available(self, caller: str, now: float | None = None) -> None:
        """Raises 429 when ``caller`` has no token left; takes none."""
        tokens = self._refill(caller, _clock(now))
        if tokens < 1.0:
            retry_after = (1.0 - tokens) / self._rate
            raise HTTPProblem(429, self._detail, retry_after=retry_after)

    def spend(self, caller: str, now: float | None = None) -> bool:
        """Take a token if ``caller`` has one; True when it was the last."""
        now = _clock(now)
        tokens = self._refill(caller, now)
        if tokens < 1.0:
            return False
        self._buckets[caller] = (tokens - 1.0, now)
        return tokens < 2.0

    def _refill(self, caller: str, now: float) -> float:
        """``caller``'s tokens at ``now``; its bucket becomes the most recently seen."""
        tokens, last = self._buckets.pop(caller, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - last) * self._rate)
        self._buckets[caller] = (tokens, now)
        while len(self._buckets) > _MAX_BUCKETS:
            self._buckets.popitem(last=False)
        return tokens


def _clock(now: float | None) -> float:
    return time.monotonic() if now is None else now

"""Whether a caller may be served: API key, failed authentications, rate limit.

The order matters:

1. An address that spent its budget of failed authentications gets 429 before
   its key is looked at, so a right guess cannot be told from a wrong one
   while it waits. Other addresses, and their keys, are not affected.
2. A wrong or missing key is 401, and it spends one failure of the address's
   budget and, with a rate limit, one request of the address's bucket.
3. A valid key spends from that key's bucket; without keys, the address's.

The address is the one the HTTP server reports: the peer, or what a trusted
proxy forwarded (``--trusted-proxy``). Both budgets live in the state store, so
they hold across workers and routers sharing it; when it does not answer, the
check raises ``StateUnavailable`` (503) instead of letting the request through.
"""

from __future__ import annotations

import logging

from ..problem import HTTPProblem
from ..state import StateStore
from .api_keys import ApiKeys
from .rate_limit import RateLimiter

__all__ = ["Admission"]

logger = logging.getLogger("nomyo_web.router")
TOO_MANY_FAILURES = "Too many failed authentications"


class Admission:
    """The admission policy of the secure-completion endpoint."""

    def __init__(
        self,
        api_keys: ApiKeys,
        rate_limiter: RateLimiter | None,
        failures_per_minute: int,
        store: StateStore,
    ) -> None:
        self.api_keys = api_keys
        self.rate_limiter = rate_limiter
        self.failures = RateLimiter(
            store, failures_per_minute, scope="auth-failures", detail=TOO_MANY_FAILURES
        )

    async def check(self, authorization: str | None, address: str) -> None:
        """Raises HTTPProblem 401 or 429 unless this request may go on."""
        if self.api_keys.enabled:
            await self.failures.check_available(address)
        try:
            api_key = self.api_keys.check(authorization)
        except HTTPProblem:
            await self._count_failure(address)
            raise
        if self.rate_limiter is not None:
            await self.rate_limiter.check(api_key or f"addr:{address}")

    async def _count_failure(self, address: str) -> None:
        if await self.failures.spend(address):
            logger.warning(
                "%s reached %d failed authentications a minute: it gets 429 until that refills",
                address if address.isprintable() else repr(address),
                self.failures.per_minute,
            )
        if self.rate_limiter is not None:
            await self.rate_limiter.check(f"addr:{address}")

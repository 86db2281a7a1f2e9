"""Answered requests by ``X-Payload-ID``: a replay gets the stored sealed answer.

Each id is bound to a fingerprint of what was asked (body, client key, tier).
The same id and fingerprint again gets the stored sealed bytes while they are
kept (no second engine call); while the first is still running — in this
process or any other sharing the store — the repeat waits for it (up to
``wait_limit`` seconds, then 504), never calling the engine itself. The same
id with another fingerprint is refused (409). A failed attempt stores nothing,
so a retry of it runs afresh. The store bounds what it keeps (entries, bytes,
TTL; ``state.ReplayBounds``).

Where a claim can outlive its owner (a store other processes share), the
owner renews a ``LEASE``-second lease while it runs; if its process dies, the
lease lapses and the next attempt runs afresh. A store that does not answer
raises ``StateUnavailable`` (503): the check is never skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
from collections.abc import Awaitable, Callable

from ..problem import HTTPProblem
from ..state import Claim, ClaimKind, StateStore, StateUnavailable

__all__ = ["LEASE", "ReplayGuard", "request_fingerprint"]

LEASE = 30.0  # seconds a running claim lasts unless renewed (every third of it)
_POLL_FIRST, _POLL_MAX = 0.005, 0.1  # seconds between looks at a running claim
_STILL_RUNNING = "The first request with this X-Payload-ID is still running"


def request_fingerprint(body: bytes, public_key_header: str, tier: str) -> bytes:
    """What a replay must match: SHA-256 over the tier, the client key and the body."""
    digest = hashlib.sha256()
    for part in (tier.encode(), public_key_header.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


class ReplayGuard:
    """Runs each payload id's request once over ``store``; repeats wait or get the answer."""

    def __init__(self, store: StateStore, wait_limit: float, lease: float = LEASE) -> None:
        self.store = store
        self.wait_limit = wait_limit
        self.lease = lease

    async def answer(
        self, payload_id: str, fingerprint: bytes, run: Callable[[], Awaitable[bytes]]
    ) -> tuple[bytes, bool]:
        """The sealed answer and whether it was a replay; ``run`` makes a fresh one."""
        owner = secrets.token_hex(16)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_limit
        delay = _POLL_FIRST
        while True:
            claim = await self.store.claim(payload_id, fingerprint, owner, self.lease)
            if claim.kind is ClaimKind.CLAIMED:
                return await self._run(payload_id, owner, run), False
            answer = _settled(claim)
            if answer is not None:
                return answer, True
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise HTTPProblem(504, _STILL_RUNNING, retry_after=5)
            await self.store.changed(payload_id, min(delay, remaining))
            delay = min(2 * delay, _POLL_MAX)

    async def _run(self, payload_id: str, owner: str, run: Callable[[], Awaitable[bytes]]) -> bytes:
        renewing = (
            asyncio.create_task(self._renew(payload_id, owner)) if self.store.leases else None
        )
        try:
            answer = await run()
        except BaseException:
            await _stop(renewing)
            with contextlib.suppress(StateUnavailable):  # then the claim lapses with its lease
                await self.store.release(payload_id, owner)
            raise
        await _stop(renewing)
        # Unstored (the store is gone), the answer still goes to its caller: the engine ran
        # once for this claim; the store's health log says that it is unreachable.
        with contextlib.suppress(StateUnavailable):
            await self.store.keep(payload_id, owner, answer)
        return answer

    async def _renew(self, payload_id: str, owner: str) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            with contextlib.suppress(StateUnavailable):
                await self.store.renew(payload_id, owner, self.lease)


def _settled(claim: Claim) -> bytes | None:
    """The stored answer; raises 409 on a conflict; None while the claim runs."""
    if claim.kind is ClaimKind.CONFLICT:
        raise HTTPProblem(409, "X-Payload-ID was already used for a different request")
    return claim.answer if claim.kind is ClaimKind.STORED else None


async def _stop(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

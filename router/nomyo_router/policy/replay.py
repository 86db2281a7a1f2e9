"""Answered requests by ``X-Payload-ID``: a replay gets the stored sealed answer.

Each id is bound to a fingerprint of what was asked (body, client key, tier).
The same id and fingerprint again gets the stored sealed bytes while they are
kept (no second engine call); while the first is still running, the repeat
waits for it. The same id with another fingerprint is refused (409). A failed
attempt stores nothing, so a retry of it runs afresh. Memory is bounded by
entry count, stored bytes and a TTL; the oldest entries go first.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from ..problem import HTTPProblem

__all__ = ["ReplayCache", "request_fingerprint"]


def request_fingerprint(body: bytes, public_key_header: str, tier: str) -> bytes:
    """What a replay must match: SHA-256 over the tier, the client key and the body."""
    digest = hashlib.sha256()
    for part in (tier.encode(), public_key_header.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


@dataclass
class _Entry:
    fingerprint: bytes
    done: asyncio.Event = field(default_factory=asyncio.Event)
    answer: bytes | None = None
    expires: float = 0.0


class ReplayCache:
    """Sealed answers by payload id, bounded by ``max_entries``, ``max_bytes`` and ``ttl``."""

    def __init__(
        self, max_entries: int = 4096, max_bytes: int = 64 * 1024 * 1024, ttl: float = 600.0
    ) -> None:
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._bytes = 0
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.ttl = ttl

    def __len__(self) -> int:
        return len(self._entries)

    async def answer(
        self, payload_id: str, fingerprint: bytes, run: Callable[[], Awaitable[bytes]]
    ) -> tuple[bytes, bool]:
        """The sealed answer and whether it was a replay; ``run`` makes a fresh one."""
        while True:
            self._expire(time.monotonic())
            entry = self._entries.get(payload_id)
            if entry is None:
                return await self._run(payload_id, fingerprint, run), False
            if entry.fingerprint != fingerprint:
                raise HTTPProblem(409, "X-Payload-ID was already used for a different request")
            if entry.answer is not None:
                return entry.answer, True
            await entry.done.wait()  # the first attempt is running; loop to read its outcome

    async def _run(
        self, payload_id: str, fingerprint: bytes, run: Callable[[], Awaitable[bytes]]
    ) -> bytes:
        entry = _Entry(fingerprint)
        self._entries[payload_id] = entry
        try:
            answer = await run()
        except BaseException:
            self._entries.pop(payload_id, None)
            raise
        else:
            self._store(payload_id, entry, answer)
            return answer
        finally:
            entry.done.set()

    def _store(self, payload_id: str, entry: _Entry, answer: bytes) -> None:
        if self._entries.get(payload_id) is not entry:
            return
        if len(answer) > self.max_bytes:
            del self._entries[payload_id]
            return
        entry.answer = answer
        entry.expires = time.monotonic() + self.ttl
        self._bytes += len(answer)
        self._entries.move_to_end(payload_id)
        self._evict()

    def _evict(self) -> None:
        while self._entries and (
            len(self._entries) > self.max_entries or self._bytes > self.max_bytes
        ):
            oldest = next(
                (key for key, entry in self._entries.items() if entry.answer is not None), None
            )
            if oldest is None:
                return
            self._drop(oldest)

    def _expire(self, now: float) -> None:
        # Stored entries sit in the order they were stored, so their expiry times ascend.
        expired: list[str] = []
        for key, entry in self._entries.items():
            if entry.answer is None:
                continue
            if entry.expires > now:
                break
            expired.append(key)
        for key in expired:
            self._drop(key)

    def _drop(self, payload_id: str) -> None:
        entry = self._entries.pop(payload_id)
        if entry.answer is not None:
            self._bytes -= len(entry.answer)

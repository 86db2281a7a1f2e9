"""The in-process store: one router process, nothing shared, nothing to reach.

The default with one worker. Buckets are kept least-recently-seen first (at
most ``MAX_BUCKETS``); stored answers in the order they were stored, so the
oldest is evicted and expires first. A claim cannot outlive its owner here, so
there are no leases, and a waiter is woken by an event instead of polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from .base import MAX_BUCKETS, BucketShape, Claim, ClaimKind, ReplayBounds, StateStore

__all__ = ["MemoryStore"]


@dataclass
class _Entry:
    fingerprint: bytes
    owner: str
    answer: bytes | None = None
    expires: float = 0.0
    done: asyncio.Event = field(default_factory=asyncio.Event)


class MemoryStore(StateStore):
    name = "memory"
    leases = False

    def __init__(self, bounds: ReplayBounds) -> None:
        self.bounds = bounds
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    async def take(self, bucket: str, shape: BucketShape, cost: int) -> float:
        now = time.monotonic()
        tokens, last = self._buckets.pop(bucket, (shape.capacity, now))
        tokens = min(shape.capacity, tokens + (now - last) * shape.per_second)
        self._buckets[bucket] = (tokens - cost if tokens >= cost else tokens, now)
        while len(self._buckets) > MAX_BUCKETS:
            self._buckets.popitem(last=False)
        return tokens

    async def claim(self, payload_id: str, fingerprint: bytes, owner: str, lease: float) -> Claim:
        self._expire(time.monotonic())
        entry = self._entries.get(payload_id)
        if entry is None:
            self._entries[payload_id] = _Entry(fingerprint, owner)
            return Claim(ClaimKind.CLAIMED)
        if entry.fingerprint != fingerprint:
            return Claim(ClaimKind.CONFLICT)
        if entry.answer is not None:
            return Claim(ClaimKind.STORED, entry.answer)
        return Claim(ClaimKind.RUNNING)

    async def renew(self, payload_id: str, owner: str, lease: float) -> None:
        return None

    async def release(self, payload_id: str, owner: str) -> None:
        entry = self._running(payload_id, owner)
        if entry is not None:
            del self._entries[payload_id]
            entry.done.set()

    async def keep(self, payload_id: str, owner: str, answer: bytes) -> None:
        entry = self._running(payload_id, owner)
        if entry is None:
            return
        entry.done.set()
        if len(answer) > self.bounds.max_bytes:
            del self._entries[payload_id]
            return
        entry.answer = answer
        entry.expires = time.monotonic() + self.bounds.ttl
        self._bytes += len(answer)
        self._entries.move_to_end(payload_id)
        self._evict()

    async def changed(self, payload_id: str, timeout: float) -> None:
        entry = self._entries.get(payload_id)
        if entry is not None and entry.answer is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(entry.done.wait(), timeout)

    async def ping(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    def _running(self, payload_id: str, owner: str) -> _Entry | None:
        entry = self._entries.get(payload_id)
        if entry is None or entry.answer is not None or entry.owner != owner:
            return None
        return entry

    def _evict(self) -> None:
        bounds = self.bounds
        while len(self._entries) > bounds.max_entries or self._bytes > bounds.max_bytes:
            oldest = next((key for key, e in self._entries.items() if e.answer is not None), None)
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

"""The state-store interface: token buckets and payload-id claims, behind one small async API.

Every backend keeps two kinds of record:

* **Token buckets** (``take``): a bucket holds up to ``capacity`` tokens and
  refills at ``per_second``; a missing bucket is full. ``take`` refills, spends
  ``cost`` tokens when that many are there, and returns what there was before.
* **Replay entries** by payload id (``claim``, ``renew``, ``release``, ``keep``):
  an entry is *running* (claimed by one attempt, ``owner``, for ``lease``
  seconds, renewed while it runs) or *stored* (the sealed answer, for the
  replay TTL). Claiming is atomic: of any number of routers, one claims an id
  and the others see it running, stored or (another fingerprint) in conflict.

Stored answers are bounded by ``ReplayBounds`` (entries, bytes, TTL), the
oldest going first; buckets by a count (``MAX_BUCKETS``) and by time: a bucket
is forgotten once it would be full again.

A backend that cannot reach its store raises ``StateUnavailable``; it never
answers as if the store had said yes.
"""

from __future__ import annotations

import enum
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass

__all__ = [
    "MAX_BUCKETS",
    "BucketShape",
    "Claim",
    "ClaimKind",
    "ReplayBounds",
    "StateStore",
    "StateUnavailable",
    "StoreHealth",
]

MAX_BUCKETS = 10_000
logger = logging.getLogger("nomyo_web.router")


class StateUnavailable(Exception):
    """The state store did not answer; what needs it gets 503."""


@dataclass(frozen=True)
class ReplayBounds:
    """How much the replay store keeps: stored answers, their bytes, seconds each."""

    max_entries: int = 4096
    max_bytes: int = 64 * 1024 * 1024
    ttl: float = 600.0


@dataclass(frozen=True)
class BucketShape:
    """A token bucket's size and refill rate."""

    capacity: float
    per_second: float

    @property
    def seconds_to_fill(self) -> float:
        """From empty to full: after this long unseen, a bucket is as good as new."""
        return self.capacity / self.per_second


class ClaimKind(enum.Enum):
    CLAIMED = "claimed"  # this attempt owns the id: run the engine
    RUNNING = "running"  # another attempt with this fingerprint owns it: wait
    STORED = "stored"  # answered: the stored bytes are the answer
    CONFLICT = "conflict"  # the id belongs to another fingerprint: 409


@dataclass(frozen=True)
class Claim:
    kind: ClaimKind
    answer: bytes | None = None


class StoreHealth:
    """Logs once when a store becomes unreachable and once when it is back."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.reachable = True

    def failed(self, error: BaseException) -> StateUnavailable:
        """The ``StateUnavailable`` to raise for ``error`` (its type is logged, not its text)."""
        if self.reachable:
            self.reachable = False
            logger.warning(
                "state store (%s) unreachable (%s): requests that need it get 503",
                self.name,
                type(error).__name__,
            )
        return StateUnavailable(self.name)

    def succeeded(self) -> None:
        if not self.reachable:
            self.reachable = True
            logger.info("state store (%s) reachable again", self.name)


class StateStore(ABC):
    """One backend: in-process, one machine (SQLite), or shared (Redis)."""

    name: str
    #: True when a claim can outlive its owner (another process may crash holding it),
    #: so the owner must ``renew`` its lease while it runs.
    leases: bool = True

    @abstractmethod
    async def take(self, bucket: str, shape: BucketShape, cost: int) -> float:
        """The tokens ``bucket`` holds now; ``cost`` of them are spent if there are that many."""

    @abstractmethod
    async def claim(self, payload_id: str, fingerprint: bytes, owner: str, lease: float) -> Claim:
        """Claim ``payload_id`` for ``owner`` unless it is already running, stored or taken."""

    @abstractmethod
    async def renew(self, payload_id: str, owner: str, lease: float) -> None:
        """Extend ``owner``'s running claim by ``lease`` seconds from now."""

    @abstractmethod
    async def release(self, payload_id: str, owner: str) -> None:
        """Drop ``owner``'s running claim (the attempt failed); a retry runs afresh."""

    @abstractmethod
    async def keep(self, payload_id: str, owner: str, answer: bytes) -> None:
        """Store ``answer`` for ``owner``'s claim, then evict down to the bounds."""

    @abstractmethod
    async def changed(self, payload_id: str, timeout: float) -> None:
        """Return when ``payload_id``'s entry may have changed, or after ``timeout``."""

    @abstractmethod
    async def ping(self) -> None:
        """Raises ``StateUnavailable`` unless the store answers."""

    @abstractmethod
    async def aclose(self) -> None:
        """Release connections and threads."""

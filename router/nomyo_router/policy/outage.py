"""A state store that does not answer: 503 with ``Retry-After``, never a request let through."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ..problem import HTTPProblem
from ..state import StateUnavailable

__all__ = ["STATE_RETRY_AFTER", "store_required"]

STATE_RETRY_AFTER = 2  # seconds: a store restart or fail-over is usually that quick


@contextlib.contextmanager
def store_required() -> Iterator[None]:
    """Turns ``StateUnavailable`` raised inside into the 503 answer."""
    try:
        yield
    except StateUnavailable:
        raise HTTPProblem(503, "State store unavailable", retry_after=STATE_RETRY_AFTER) from None

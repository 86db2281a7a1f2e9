"""Reading ``Retry-After`` and ``retry-after-ms``: how long a server asked us to wait.

Pure: the client's retry loop and the router's upstream engine both read it here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

__all__ = ["MAX_RETRY_AFTER", "parse_retry_after"]

MAX_RETRY_AFTER = 60.0
"""Seconds; a longer wait than this is not honoured (the normal backoff applies)."""


def _milliseconds(value: str) -> float | None:
    try:
        seconds = float(value) / 1000.0
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and 0 <= seconds <= MAX_RETRY_AFTER else None


def parse_retry_after(
    retry_after: str | None,
    retry_after_ms: str | None = None,
    now: Callable[[], float] = time.time,
) -> float | None:
    """Seconds the server asked us to wait, or None when absent, invalid or unreasonable.

    Args:
        retry_after: the ``Retry-After`` header: seconds, or an HTTP date.
        retry_after_ms: the ``retry-after-ms`` header (OpenAI's), which wins when valid.
        now: the clock an HTTP date is measured against.

    Returns:
        Seconds from 0 to ``MAX_RETRY_AFTER``, or None.
    """
    if retry_after_ms:
        seconds = _milliseconds(retry_after_ms)
        if seconds is not None:
            return seconds
    if not retry_after:
        return None
    text = retry_after.strip()
    try:
        wait = float(text)
    except ValueError:
        import email.utils  # only for an HTTP date: a start-up import less

        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        wait = max(when.timestamp() - now(), 0.0)
    if not math.isfinite(wait) or wait < 0 or wait > MAX_RETRY_AFTER:
        return None
    return wait

"""Security tiers: the values ``X-Security-Tier`` may carry."""

from typing import Any

SECURITY_TIERS: tuple[str, ...] = ("standard", "high", "maximum")


def is_security_tier(value: Any) -> bool:
    """True when ``value`` is one of ``standard``, ``high``, ``maximum``."""
    return isinstance(value, str) and value in SECURITY_TIERS

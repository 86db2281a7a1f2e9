"""Security tiers: the values ``X-Security-Tier`` may carry."""

from typing import Any, Literal, TypeGuard, get_args

SecurityTier = Literal["standard", "high", "maximum"]
"""The tier a request asks for: hardware routing and isolation, decided by the server."""

SECURITY_TIERS: tuple[SecurityTier, ...] = get_args(SecurityTier)


def is_security_tier(value: Any) -> TypeGuard[SecurityTier]:
    """True when ``value`` is one of ``standard``, ``high``, ``maximum``."""
    return isinstance(value, str) and value in SECURITY_TIERS

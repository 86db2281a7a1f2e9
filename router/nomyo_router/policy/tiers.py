"""Which models each security tier may use (``--tier-models TIER=MODEL[,MODEL...]``)."""

from __future__ import annotations

from collections.abc import Iterable

from nomyo_web.protocol import SECURITY_TIERS

from ..problem import HTTPProblem

__all__ = ["DEFAULT_TIER", "TierPolicy", "parse_tier_models"]

DEFAULT_TIER = "standard"
"""The tier of a request that sends no ``X-Security-Tier``."""


def parse_tier_models(specs: Iterable[str]) -> dict[str, frozenset[str]]:
    """``["high=a,b", "maximum=c"]`` → ``{"high": {"a", "b"}, "maximum": {"c"}}``; ValueError."""
    tiers: dict[str, set[str]] = {}
    for spec in specs:
        tier, sep, models = spec.partition("=")
        tier = tier.strip()
        names = {name.strip() for name in models.split(",") if name.strip()}
        if not sep or tier not in SECURITY_TIERS or not names:
            raise ValueError(
                f"expected TIER=MODEL[,MODEL...] with TIER in {SECURITY_TIERS}: {spec!r}"
            )
        tiers.setdefault(tier, set()).update(names)
    return {tier: frozenset(names) for tier, names in tiers.items()}


class TierPolicy:
    """Tiers not named allow every model; a named tier allows only its models."""

    def __init__(self, tier_models: dict[str, frozenset[str]]) -> None:
        self._tier_models = dict(tier_models)

    def check(self, tier: str, model: str) -> None:
        """Raises 403 when ``model`` is not allowed in ``tier``."""
        allowed = self._tier_models.get(tier)
        if allowed is not None and model not in allowed:
            raise HTTPProblem(403, f"Model not allowed for the {tier} security tier")

"""Small statistics helpers: medians of blocks, percentiles, rounding for the report."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

__all__ = ["median", "percentile", "ratio", "rounded", "spread"]


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else math.nan


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))
    return float(ordered[index])


def ratio(top: float, bottom: float) -> float:
    return top / bottom if bottom else math.nan


def spread(values: Sequence[float]) -> list[float]:
    """[min, max], rounded, for the run-to-run (block-to-block) spread."""
    return [rounded(min(values)), rounded(max(values))] if values else []


def rounded(value: float, digits: int = 3) -> float:
    """Three significant digits are plenty on a noisy machine (at least 0.001)."""
    if not math.isfinite(value) or value == 0:
        return value
    places = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return round(value, min(places, 6))

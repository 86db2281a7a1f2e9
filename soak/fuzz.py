"""Running a property for a fixed number of generated cases, in batches, and reporting it.

``run_property`` calls hypothesis (generation only, no example database, no
deadline) until ``cases`` examples ran, ``batch`` at a time, calling
``between()`` after each batch (the router must still serve a normal request).
A failing case stops the target and is reported with its exception.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

__all__ = ["run_property"]


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )


def run_property(
    name: str,
    strategy: st.SearchStrategy[Any],
    check: Callable[[Any], str],
    cases: int,
    batch: int = 10_000,
    between: Callable[[], None] | None = None,
    time_limit: float | None = None,
) -> dict[str, Any]:
    """Run ``check`` on ``cases`` generated inputs; a summary dict with counts and timings."""
    outcomes: collections.Counter[str] = collections.Counter()
    failure: str | None = None
    batches = 0
    started = time.perf_counter()

    while sum(outcomes.values()) < cases and failure is None:
        todo = min(batch, cases - sum(outcomes.values()))
        before = sum(outcomes.values())

        def once(case: Any) -> None:
            outcomes[check(case)] += 1

        try:
            given(strategy)(_settings(todo)(once))()
            if between is not None:
                between()
        except Exception as error:  # a crash, an assertion, or a broken router
            failure = f"{type(error).__name__}: {str(error)[:500]}"
        batches += 1
        if sum(outcomes.values()) == before and failure is None:
            break  # hypothesis had nothing new to try
        if time_limit is not None and time.perf_counter() - started > time_limit:
            break
    elapsed = time.perf_counter() - started
    ran = sum(outcomes.values())
    return {
        "target": name,
        "cases": ran,
        "wanted": cases,
        "batches": batches,
        "seconds": round(elapsed, 1),
        "cases_per_second": round(ran / elapsed, 1) if elapsed else None,
        "outcomes": dict(outcomes.most_common()),
        "failure": failure,
        "passed": failure is None and ran >= cases,
    }

"""The soak's coverage-guided (atheris) targets with a small case count, for the regular suite.

Same seeds, dictionaries and checks as ``python -m soak``, which runs 100,000
cases per target. Each run is a real libFuzzer process.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from soak.atheris_inputs import CANARY, TARGETS
from soak.atheris_run import atheris_missing, run_atheris

pytestmark = pytest.mark.skipif(atheris_missing() is not None, reason=str(atheris_missing()))

# Each target must reach both its accepting and its refusing paths: mutations of
# the valid seeds that stay valid, and ones that break them.
REACHED = {
    "envelope-parser": ("parsed", "refused:not_json", "refused:bad_field"),
    "completion-binding": ("accepted", "rejected"),
    "client-key-header": ("accepted", "400"),
    "chat-request": ("accepted", "400"),
}


@pytest.mark.parametrize("target", TARGETS)
def test_a_coverage_guided_run_finds_no_failure(target: str) -> None:
    result = run_atheris(target, 5_000, 120)
    assert result["failure"] is None and result["passed"], result
    assert result["cases"] >= 5_000
    assert sum(result["outcomes"].values()) >= 5_000
    assert set(REACHED[target]) <= set(result["outcomes"]), result["outcomes"]
    assert result["coverage"]["edges"] > 0


def test_a_failing_check_is_found_and_reported() -> None:
    # The canary check fails only on inputs starting b"canary"; its seed is b"canarz",
    # so libFuzzer has to mutate its way there. A runner that missed a crash would pass.
    result = run_atheris(CANARY, 500_000, 120)
    try:
        assert not result["passed"]
        assert "AssertionError: the canary input was found" in result["failure"]
        kept = Path(result["failing_inputs"])
        inputs = [path.read_bytes() for path in kept.iterdir()]
        assert inputs and all(data.startswith(b"canary") for data in inputs)
        assert str(kept) in result["failure"]
    finally:
        if result["failing_inputs"]:
            shutil.rmtree(result["failing_inputs"], ignore_errors=True)

"""``python -m soak --quick`` runs end to end and writes a report of the right shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from soak.atheris_inputs import TARGETS as COVERAGE_TARGETS
from soak.atheris_run import atheris_missing
from tests.support.refusals import KINDS
from tests.support.router import checkout_environment

REPO = Path(__file__).resolve().parents[1]


def quick_soak(out: Path, *args: str) -> dict[str, Any]:
    """``python -m soak --quick *args`` writing to ``out``; its report, once it exited 0."""
    run = subprocess.run(
        [sys.executable, "-m", "soak", "--quick", *args, "--out", str(out)],
        cwd=REPO,
        env=checkout_environment(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report: dict[str, Any] = json.loads((out / "latest.json").read_text())
    return report


def test_quick_soak_passes_and_reports(tmp_path: Path) -> None:
    report = quick_soak(tmp_path)
    assert report["passed"] is True
    load = report["load"]
    assert load["failures"] == 0 and load["every_nonce_once"] and load["requests"] == 300
    assert set(load["rss_growth_mib"]) == {"client", "router"} == set(load["rss_cold_mib"])
    assert load["warmup_requests"] == 100 and load["warmup_failures"] == 0
    assert {"python_objects", "done"} <= set(load["client_live_heap"][-1])
    assert set(report["faults"]) >= {
        "upstream",
        "router_killed_and_restarted",
        "server_key_rotated_with_grace",
        "server_key_rotated_no_grace",
        "client_key_rotated",
    }
    assert all(part["passed"] for part in report["faults"].values())
    assert "client_live_heap" not in report["faults"]["client_key_rotated"]
    refusals = report["refusals"]
    assert refusals["passed"] and set(refusals["kinds"]) == set(KINDS)
    assert refusals["upstream_calls"] == 0 and refusals["log_lines_flagged"] == []
    for part in refusals["kinds"].values():
        assert part["requests"] == 40 and part["near_limit"] == 2
        assert part["rss_growth_mib"] <= refusals["rss_growth_limit_mib"]
    browser = report["browser"]
    if "skipped" not in browser:  # skipped only without chromium or build/pyodide
        assert browser["failures"] == 0 and browser["every_nonce_once"]
        assert browser["requests"] == 40 and browser["requests_left_loopback"] == 0
        assert browser["js_heap_after_gc_mib"]["end"] > 0
    for target in ("envelope-parser", "response-handling", "router-app", "router-process"):
        part = report["fuzz"][target]
        assert part["passed"] and part["cases"] >= part["wanted"] > 0 and part["failure"] is None
    coverage = report["coverage_fuzz"]
    if atheris_missing() is None:
        assert coverage["skipped"] is None and set(coverage["targets"]) == set(COVERAGE_TARGETS)
        for part in coverage["targets"].values():
            assert part["passed"] and part["cases"] >= part["wanted"] > 0
    else:
        assert coverage["skipped"] == atheris_missing()
    markdown = (tmp_path / "latest.md").read_text()
    assert markdown.startswith("# Soak run (quick") and "## Refused requests" in markdown


def test_only_runs_the_parts_named_and_says_so(tmp_path: Path) -> None:
    report = quick_soak(tmp_path, "--only", "refusals")
    assert report["only"] == ["refusals"] and report["passed"] is True
    assert not {"load", "faults", "browser", "fuzz", "coverage_fuzz"} & set(report)
    markdown = (tmp_path / "latest.md").read_text()
    assert markdown.startswith("# Soak run (quick, only refusals") and "## Load" not in markdown

"""``python -m soak --quick`` runs end to end and writes a report of the right shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from soak.atheris_inputs import TARGETS as COVERAGE_TARGETS
from soak.atheris_run import atheris_missing

REPO = Path(__file__).resolve().parents[1]


def test_quick_soak_passes_and_reports(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "soak", "--quick", "--out", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads((tmp_path / "latest.json").read_text())
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
    assert (tmp_path / "latest.md").read_text().startswith("# Soak run (quick")

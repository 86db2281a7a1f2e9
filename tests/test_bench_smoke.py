"""The benchmark's quick mode runs end to end and writes a well-formed report.

No timing is asserted: only that every section ran (or says why it could
not), that the report has its shape, and that every figure is a positive
number.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.router import checkout_environment

REPO_ROOT = Path(__file__).resolve().parents[1]
ALWAYS = {"cpython", "clients", "transports", "router", "relay", "payload", "memory"}
# Need the model / Chromium and build/pyodide / the OpenAI-SDK environment (pip, registry).
OPTIONAL = {"engine", "browser", "openai"}


def _figures(value: Any, path: str = "") -> list[tuple[str, float]]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [(path, value)]
    if isinstance(value, dict):
        return [f for key, item in value.items() for f in _figures(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [f for i, item in enumerate(value) for f in _figures(item, f"{path}[{i}]")]
    return []


def test_quick_run_writes_a_well_formed_report(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        env=checkout_environment(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "latest.json").read_text())
    assert report["quick"] is True
    assert report["machine"]["cores"] > 0 and report["machine"]["cpu_model"]
    assert report["noise"]["samples"], "the noise was not sampled"

    sections, skipped = report["sections"], report["skipped"]
    assert set(sections) >= ALWAYS, f"missing sections; skipped: {skipped}"
    for name in OPTIONAL - set(sections):
        assert not skipped[name].startswith("failed"), skipped[name]
    figures = _figures(sections)
    assert len(figures) > 100
    counts = [(path, value) for path, value in figures if ".failed_requests" in path]
    assert counts and all(isinstance(v, int) and v >= 0 for _, v in counts), counts
    bad = [
        (path, value)
        for path, value in figures
        if ".failed_requests" not in path
        and ".load_failure_kinds" not in path
        and not (math.isfinite(value) and value > 0)
    ]
    assert not bad, f"figures that are not positive numbers: {bad}"

    assert sections["cpython"]["nomyo_0_2_9"]["calls"] > 0
    assert set(sections["router"]["levels"]) == {"1", "8", "32", "128"}
    assert set(sections["relay"]["levels"]) == {"1", "32"}
    assert set(sections["payload"]["sizes"]) == {"1 KB", "100 KB", "1 MB", "10 MB"}
    assert all(entry["target"] for entry in report["targets"])
    assert (tmp_path / "latest.md").read_text().startswith("# Benchmark results")
    assert (tmp_path / "chart.svg").read_text().startswith("<svg")

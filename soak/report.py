"""The soak report: latest.json (everything) and latest.md (the figures, as tables)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["write_report"]


def _load_md(load: dict[str, Any]) -> list[str]:
    first, last = load["rss_mib"][0], load["rss_mib"][-1]
    heap_first, heap_last = load["client_live_heap"][0], load["client_live_heap"][-1]
    return [
        "## Load",
        "",
        f"{load['requests']} requests at {load['concurrency']} in flight, after a checked "
        f"warm-up of {load['warmup_requests']} ({load['warmup_failures']} failures): "
        f"{load['failures']} failures, {load['requests_per_second']} requests/s, "
        f"{load['seconds']} s; every answer held its own nonce; every nonce reached the "
        f"upstream exactly once: {load['every_nonce_once']}.",
        "",
        f"| process | RSS cold (MiB) | after warm-up | end | growth over the run "
        f"(limit {load['rss_growth_limit_mib']}) | growth since cold |",
        "|---|---|---|---|---|---|",
        *(
            f"| {name} | {load['rss_cold_mib'][name]} | {first[name]} | {last[name]} | "
            f"{load['rss_growth_mib'][name]} | {load['rss_growth_since_cold_mib'][name]} |"
            for name in load["rss_growth_mib"]
        ),
        "",
        "The client's live heap over the run (start → end): "
        + ", ".join(
            f"{name} {heap_first[name]} → {heap_last[name]}"
            for name in heap_first
            if name != "done"
        )
        + ".",
        "",
        f"Router key file created with mode {load['key_file_mode']}.",
        "",
    ]


def _faults_md(faults: dict[str, Any]) -> list[str]:
    lines = ["## Faults", "", "| scenario | passed | figures |", "|---|---|---|"]
    for name, outcome in faults.items():
        figures = {k: v for k, v in outcome.items() if k not in ("passed", "concurrency")}
        lines.append(f"| {name} | {outcome['passed']} | `{json.dumps(figures)}` |")
    return [*lines, ""]


def _fuzz_md(fuzz: dict[str, Any]) -> list[str]:
    lines = [
        "## Bad input (hypothesis)",
        "",
        "| target | cases | seconds | cases/s | failure | outcomes |",
        "|---|---|---|---|---|---|",
    ]
    for name, part in fuzz.items():
        lines.append(
            f"| {name} | {part.get('cases')} | {part.get('seconds')} | "
            f"{part.get('cases_per_second')} | {part.get('failure') or 'none'} | "
            f"`{json.dumps(part.get('outcomes'))}` |"
        )
    return [*lines, ""]


def _coverage_md(coverage: dict[str, Any]) -> list[str]:
    lines = ["## Bad input, coverage-guided (atheris, libFuzzer)", ""]
    if coverage["skipped"]:
        return [*lines, f"Not run: {coverage['skipped']}.", ""]
    lines += [
        "| target | cases | seconds | cases/s | edges | corpus | failure | outcomes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, part in coverage["targets"].items():
        reached = part["coverage"]
        lines.append(
            f"| {name} | {part['cases']} | {part['seconds']} | {part['cases_per_second']} | "
            f"{reached.get('edges')} | {reached.get('corpus')} | {part['failure'] or 'none'} | "
            f"`{json.dumps(part['outcomes'])}` |"
        )
    return [*lines, ""]


def _browser_md(browser: dict[str, Any]) -> list[str]:
    if "skipped" in browser:
        return ["## Load in the browser", "", f"Not run: {browser['skipped']}.", ""]
    first, last = browser["memory"][0], browser["memory"][-1]
    return [
        "## Load in the browser",
        "",
        f"{browser['requests']} requests at {browser['concurrency']} in flight from "
        f"{browser['runtime']} (after {browser['warmup_requests']} warm-up): "
        f"{browser['failures']} failures, {browser['requests_per_second']} requests/s, "
        f"{browser['seconds']} s; every nonce reached the upstream exactly once: "
        f"{browser['every_nonce_once']}; requests off loopback: "
        f"{browser['requests_left_loopback']}.",
        "",
        "| measure | start | end |",
        "|---|---|---|",
        *(f"| page {name} | {first[name]} | {last[name]} |" for name in first),
        f"| page js_heap_mib after a forced collection | "
        f"{browser['js_heap_after_gc_mib']['start']} | {browser['js_heap_after_gc_mib']['end']} |",
        f"| router RSS (MiB) | {browser['router_rss_mib']['start']} | "
        f"{browser['router_rss_mib']['end']} |",
        "",
    ]


def write_report(report: dict[str, Any], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / "latest.json", out / "latest.md"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        f"# Soak run ({report['mode']}, {report['started']}): "
        f"{'PASSED' if report['passed'] else 'FAILED'} in {report['seconds']} s",
        "",
        f"Machine: {report['machine']}",
        "",
        *_load_md(report["load"]),
        *_faults_md(report["faults"]),
        *_fuzz_md(report["fuzz"]),
        *_coverage_md(report["coverage_fuzz"]),
        *_browser_md(report["browser"]),
    ]
    md_path.write_text("\n".join(lines))
    return json_path, md_path

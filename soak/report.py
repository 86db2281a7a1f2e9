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


def _refusals_md(refusals: dict[str, Any]) -> list[str]:
    limit = refusals["rss_growth_limit_mib"]
    lines = [
        "## Refused requests",
        "",
        f"{refusals['per_kind']} refusals of each kind, one after another, after a warm-up of "
        f"{refusals['warmup_per_kind']} of each (every 20th near the 13 MiB envelope limit, "
        f"every 5th 1 MiB, the others 2 KiB); the router's RSS may move at most {limit} MiB "
        f"over each kind and over all: cold {refusals['rss_cold_mib']}, after the warm-up "
        f"{refusals['rss_after_warmup_mib']}, at the end {refusals['rss_end_mib']} MiB "
        f"(growth {refusals['rss_growth_mib']}). Upstream calls: {refusals['upstream_calls']}; "
        f"router log lines at warning or above: {len(refusals['log_lines_flagged'])}. A kind "
        f"stops early once its RSS grew {refusals['abort_mib']} MiB (a leak, shown).",
        "",
        "| kind | passed | requests | near the limit | answers | requests/s | "
        "RSS before (MiB) | peak | after | growth |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, part in refusals["kinds"].items():
        lines.append(
            f"| {kind} | {part['passed']} | {part['requests']} | {part['near_limit']} | "
            f"`{json.dumps(part['statuses'])}` | {part['requests_per_second']} | "
            f"{part['rss_before_mib']} | {part['rss_peak_mib']} | {part['rss_after_mib']} | "
            f"{part['rss_growth_mib']} |"
        )
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
    sections = {
        "load": _load_md,
        "faults": _faults_md,
        "refusals": _refusals_md,
        "fuzz": _fuzz_md,
        "coverage_fuzz": _coverage_md,
        "browser": _browser_md,
    }
    only = f", only {', '.join(report['only'])}" if "only" in report else ""
    lines = [
        f"# Soak run ({report['mode']}{only}, {report['started']}): "
        f"{'PASSED' if report['passed'] else 'FAILED'} in {report['seconds']} s",
        "",
        f"Machine: {report['machine']}",
        "",
    ]
    for name, section in sections.items():
        if name in report:
            lines += section(report[name])
    md_path.write_text("\n".join(lines))
    return json_path, md_path

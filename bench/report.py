"""Writes latest.json, latest.md (tables) and chart.svg from one run's report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .chart import render_chart
from .targets import judge

__all__ = ["render_markdown", "write_results"]


def _num(value: Any, unit: str = "") -> str:
    if not isinstance(value, int | float):
        return "–"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"
    return f"{text}{unit}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _targets(report: dict[str, Any]) -> list[str]:
    rows = []
    for entry in report["targets"]:
        if entry["met"] is None:
            rows.append([entry["what"], "–", entry["target"], "not measured in this run"])
            continue
        verdict = "**met**" if entry["met"] else "not met"
        if entry.get("note"):
            verdict += f" ({entry['note']})"
        rows.append([entry["what"], _num(entry["value"], "×"), entry["target"], verdict])
    return ["## Targets", "", *_table(["target", "this run", "bound", "verdict"], rows)]


def _cpython(s: dict[str, Any]) -> list[str]:
    ours, ref, floor = s["nomyo_web"], s["nomyo_0_2_9"], s["floor"]
    rows = [
        [
            name,
            _num(c["calls_per_s"]),
            f"{_num(c['latency_median_ms'])} / {_num(c['latency_p95_ms'])} ms",
            f"{_num(c['client_cpu_per_call_ms'])} ms",
            f"{_num(c.get('router_cpu_per_call_ms'))} ms",
        ]
        for name, c in (("nomyo_web", ours), ("nomyo 0.2.9", ref))
    ]
    rows.append(
        [
            "floor (2 decrypts + 2 encrypts + 1 httpx round trip)",
            _num(1000 / floor["floor_per_call_ms"]),
            f"{_num(floor['floor_per_call_ms'])} ms",
            "",
            "",
        ]
    )
    lines = [
        "## CPython, sequential, one client (instant stub upstream)",
        "",
        *_table(
            ["client", "calls/s", "latency median / p95", "client CPU/call", "router CPU/call"],
            rows,
        ),
    ]
    lines.append(
        f"Floor parts: RSA-4096 OAEP private decrypt {_num(floor['private_decrypt_ms'])} ms,"
        f" public encrypt {_num(floor['public_encrypt_ms'])} ms, httpx loopback round trip"
        f" {_num(floor['round_trip_ms'])} ms ({floor['request_bytes']} B request, "
        f"{floor['answer_bytes']} B answer). Calls/s ratio per round: "
        f"{s['ratio_calls_per_s_rounds'][0]}–{s['ratio_calls_per_s_rounds'][1]}×."
    )
    return [*lines, ""]


def _clients(s: dict[str, Any]) -> list[str]:
    names = (
        ("async_one_loop", "SecureChatCompletion, one event loop"),
        ("sync", "SyncSecureChatCompletion (its own loop thread)"),
        ("many_loops", "SecureChatCompletion, asyncio.run() per call"),
    )
    ratio = {"sync": s["sync_over_async"], "many_loops": s["many_loops_over_async"]}
    rows = [
        [
            label,
            f"{_num(s[name]['per_call_ms'])} ms",
            _num(s[name]["calls_per_s"]),
            f"{_num(s[name]['client_cpu_per_call_ms'])} ms",
            f"{_num(ratio[name]['median'], '×')}" if name in ratio else "1×",
        ]
        for name, label in names
    ]
    header = ["client", "per call", "calls/s", "client CPU/call", "÷ async on one loop"]
    return [
        "## CPython, the client's doors: sync, and one client across event loops",
        "",
        *_table(header, rows),
        "Ratios are per round (same round, same machine state), median of the rounds; "
        "asyncio.run() per call also pays one thread hop per call in the bench.",
        "",
    ]


def _transports(
    s: dict[str, Any], title: str = "Transport seam: httpx against leaner clients"
) -> list[str]:
    rows = [
        [
            name,
            _num(t["calls_per_s"]),
            f"{_num(t['latency_median_ms'])} ms",
            f"{_num(t['client_cpu_per_call_ms'])} ms",
            f"{_num(t['round_trip_median_ms'])} ms",
            f"{_num(t['round_trip_cpu_ms'])} ms",
        ]
        for name, t in s["transports"].items()
    ]
    return [
        f"## {title}",
        "",
        *_table(
            [
                "transport",
                "nomyo_web calls/s",
                "latency median",
                "client CPU/call",
                "bare round trip",
                "round-trip CPU",
            ],
            rows,
        ),
    ]


def _openai(s: dict[str, Any]) -> list[str]:
    rows = []
    cpython = s["cpython"]
    rows.append(
        [
            "CPython",
            f"{_num(cpython['create']['latency_median_ms'])} ms",
            f"{_num(cpython['sdk']['latency_median_ms'])} ms",
            f"{_num(cpython['sdk_raw']['latency_median_ms'])} ms",
            f"{_num(cpython['sdk_parse_ms'])} ms",
            _num(cpython["sdk_over_create"], "×"),
        ]
    )
    chromium = s.get("chromium")
    if chromium:
        rows.append(
            [
                "Chromium (Pyodide)",
                f"{_num(chromium['create_median_ms'])} ms",
                f"{_num(chromium['sdk_median_ms'])} ms",
                f"{_num(chromium['sdk_raw_median_ms'])} ms",
                f"{_num(chromium['sdk_parse_ms'])} ms",
                _num(chromium["sdk_over_create"], "×"),
            ]
        )
    versions = ", ".join(f"{name} {v}" for name, v in cpython["versions"].items())
    lines = [
        "## The OpenAI SDK over AsyncSecureTransport (instant stub upstream)",
        "",
        *_table(
            [
                "runtime",
                "create() median",
                "SDK create() median",
                "SDK, unparsed (with_raw_response)",
                "SDK's own parse()",
                "SDK ÷ create()",
            ],
            rows,
        ),
        f"CPython environment: {versions}.",
        "",
    ]
    title = "Transport seam in the OpenAI-SDK environment: httpx against httpx2"
    return [*lines, *_transports(cpython["seam"], title)]


def _router_row(level: str, who: str, f: dict[str, Any], proxy: dict[str, Any]) -> list[str]:
    return [
        level,
        who,
        _num(f["requests_per_s"]),
        f"{_num(f['router_cpu_per_request_ms'])} ms",
        _num(f["router_cpu_over_baseline"], "×"),
        f"{_num(proxy['router_cpu_per_request_ms'])} ms",
        _num(f["router_cpu_over_proxy_plus_rsa"], "×"),
        _num(f["router_cores_busy"]),
        f"{_num(f['loadgen_cpu_per_request_ms'])} / {_num(f.get('stub_cpu_per_request_ms'))} ms",
        str(f.get("failed_requests", 0)),
    ]


def _router_levels(s: dict[str, Any]) -> list[list[str]]:
    before = s.get("before")
    rows = []
    for level, f in s["levels"].items():
        rows.append(_router_row(level, "this tree", f, s["proxy_levels"][level]))
        if before:
            who = f"before ({before['commit']})"
            rows.append(
                _router_row(level, who, before["levels"][level], before["proxy_levels"][level])
            )
    return rows


def _workers_line(w: dict[str, Any], who: str) -> str:
    one, two = w["one_worker"], w["two_workers"]
    return (
        f"Workers at {w['in_flight']} in flight ({who}): one {_num(one['requests_per_s'])}"
        f" requests/s, two {_num(two['requests_per_s'])} requests/s "
        f"({_num(w['ratio_two_over_one'], '×')}, the median of the rounds' ratios); with two "
        f"workers the load generator kept {_num(two.get('loadgen_cores_busy'))} of a core busy "
        f"and the stub {_num(two.get('stub_cores_busy'))}."
    )


def _router(s: dict[str, Any]) -> list[str]:
    p, before = s["machine_parallelism"], s.get("before")
    workers = [_workers_line(s["workers"], "this tree"), ""]
    if before:
        workers += [_workers_line(before["workers"], f"before, {before['commit']}"), ""]
    return [
        "## Router under load against a plain proxy (pre-sealed requests from another process)",
        "",
        "Each block on freshly started processes. The proxy: the router's server stack, "
        "body read and forwarded to the stub over one reused aiohttp pool, no crypto, no JSON "
        '(`bench/plain_proxy.py`); its CPU is on the same row (the "before" row: the proxy on '
        "that checkout's stack). Router ÷ (proxy + RSA) always divides by this tree's proxy.",
        "",
        *_table(
            [
                "in flight",
                "router",
                "requests/s",
                "router CPU/request",
                "÷ RSA",
                "proxy CPU/request",
                "router ÷ (proxy + RSA)",
                "router cores busy",
                "load generator / stub CPU/request",
                "failed requests",
            ],
            _router_levels(s),
        ),
        f"Failed requests by kind (every round, warm-up included): "
        f"{s.get('load_failure_kinds') or 'none'}.",
        "",
        f"RSA baseline (one RSA-4096 decrypt + one encrypt, CPU): "
        f"{_num(s['baseline_decrypt_plus_encrypt_cpu_ms'])} ms. Load client: "
        f"{s['load_client']}."
        + (f" Before: {before['tree']} at {before['commit']}." if before else ""),
        "",
        *workers,
        f"This machine: {p['one_process_s']} s of RSA "
        f"decrypts alone take {p['two_processes_s']} s each when two processes run them at "
        f"once (parallel speedup {_num(p['parallel_speedup'], '×')} of an ideal 2×).",
        "",
        *_state(s.get("state")),
    ]


def _state(s: dict[str, Any] | None) -> list[str]:
    if not s:
        return []
    rows = [
        [
            name.replace("_", " "),
            _num(s[name]["requests_per_s"]),
            " – ".join(_num(v) for v in s[name]["requests_per_s_rounds"]),
            f"{_num(s[name]['router_cpu_per_request_ms'])} ms",
        ]
        for name in ("embedded_1_worker", "embedded_2_workers", "redis_1_worker", "redis_2_workers")
    ]
    return [
        f"### By state store ({s['in_flight']} in flight, median of {s['rounds']} rounds)",
        "",
        *_table(["store, workers", "requests/s", "rounds' range", "router CPU/request"], rows),
        f"Redis ÷ embedded: {_num(s['redis_over_embedded_1_worker'], '×')} with one worker "
        f"(in-process), {_num(s['redis_over_embedded_2_workers'], '×')} with two (SQLite).",
        "",
    ]


def _relay(s: dict[str, Any]) -> list[str]:
    rows = [
        [
            level,
            f"{_num(f['router_cpu_per_request_ms'])} ms",
            f"{_num(f['relay_cpu_per_request_ms'])} ms",
            _num(f["router_over_relay_cpu"], "×"),
            f"{_num(f['direct_requests_per_s'])} / {_num(f['relayed_requests_per_s'])}",
            str(f.get("failed_requests", 0)),
        ]
        for level, f in s["levels"].items()
    ]
    return [
        "## Relay (`--relay`) in front of the router: CPU per request",
        "",
        *_table(
            [
                "in flight",
                "router CPU/request (decrypts, seals)",
                "relay CPU/request (forwards)",
                "router ÷ relay",
                "requests/s direct / relayed",
                "failed requests",
            ],
            rows,
        ),
    ]


def _payload(title: str, s: dict[str, Any]) -> list[str]:
    rows = [
        [
            label,
            f"{_num(r['seal_mb_per_s'])} / {_num(r['open_mb_per_s'])}",
            f"{_num(r['seal_ms'])} / {_num(r['open_ms'])} ms",
        ]
        for label, r in s["sizes"].items()
    ]
    return [
        f"## Seal / open by size: {title}",
        "",
        *_table(["plaintext", "MB/s seal / open", "ms seal / open"], rows),
    ]


def _simple(title: str, s: dict[str, Any]) -> list[str]:
    rows = [
        [name.replace("_", " "), _num(v)]
        for name, v in s.items()
        if isinstance(v, int | float) and name != "seconds"
    ]
    return [f"## {title}", "", *_table(["figure", "value"], rows)]


def render_markdown(report: dict[str, Any]) -> str:
    m, noise, sections = report["machine"], report["noise"], report["sections"]
    lines = [
        f"# Benchmark results ({report['started_at']}, `{report['command']}`)",
        "",
        f"Machine: {m['cores']} × {m['cpu_model']}, {m['memory_gib']} GiB, Linux {m['kernel']};"
        f" Python {m['python']}, {m['openssl']}. Noise: CPU pressure (some, avg10) median "
        f"{noise['psi_cpu_some_avg10_median']}%, max {noise['psi_cpu_some_avg10_max']}%; load "
        f"average (1 min) up to {noise['loadavg_1m_max']}. Ratios are from this one run; "
        "absolute times are indications.",
        "",
        *_targets(report),
    ]
    parts = [
        ("cpython", _cpython),
        ("clients", _clients),
        ("transports", _transports),
        ("openai", _openai),
        ("router", _router),
        ("relay", _relay),
    ]
    lines += [line for name, render in parts if name in sections for line in render(sections[name])]
    if "engine" in sections:
        lines += _simple("Embedded model (SmolLM2-135M, llama.cpp)", sections["engine"])
    if "payload" in sections:
        lines += _payload("PycaBackend (CPython)", sections["payload"])
    if "browser" in sections:
        b = sections["browser"]
        lines += _simple(
            "Chromium: nomyo_web in Pyodide against the JavaScript floor",
            {**b["per_call"], **b["cold_start"], "wheel_bytes": b["wheel_bytes"]},
        )
        lines += _payload("WebCryptoBackend (Pyodide in Chromium)", b["payload"])
    if "memory" in sections:
        lines += _simple("Client memory", sections["memory"])
    for name, reason in report.get("skipped", {}).items():
        lines.append(f"- section `{name}` not in this run: {reason}")
    return "\n".join(lines).rstrip() + "\n"


def write_results(report: dict[str, Any], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    report["targets"] = judge(report)
    outputs = {
        "latest.json": json.dumps(report, indent=2, ensure_ascii=False) + "\n",
        "latest.md": render_markdown(report),
        "chart.svg": render_chart(report),
    }
    paths = []
    for name, text in outputs.items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths

"""The issue's targets, judged from one run's figures (ratios; absolute times are indications)."""

from __future__ import annotations

from typing import Any

__all__ = ["judge"]


def _get(report: dict[str, Any], *path: str) -> Any:
    value: Any = report.get("sections", {})
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _target(what: str, value: Any, bound: float, at_least: bool, note: str = "") -> dict[str, Any]:
    if not isinstance(value, int | float):
        return {
            "what": what,
            "target": _text(bound, at_least),
            "value": None,
            "met": None,
            "note": "not measured in this run",
        }
    met = value >= bound if at_least else value <= bound
    entry = {"what": what, "target": _text(bound, at_least), "value": value, "met": met}
    if note:
        entry["note"] = note
    return entry


def _text(bound: float, at_least: bool) -> str:
    return f"{'≥' if at_least else '≤'} {bound:g}×"


def _router_levels(report: dict[str, Any]) -> list[dict[str, Any]]:
    levels = _get(report, "router", "levels") or {}
    return [
        _target(
            f"router CPU per request ÷ (plain proxy's + 1 RSA decrypt + 1 encrypt), "
            f"{level} in flight",
            figures.get("router_cpu_over_proxy_plus_rsa"),
            1.3,
            False,
        )
        for level, figures in levels.items()
    ]


def _workers(report: dict[str, Any]) -> dict[str, Any]:
    speedup = _get(report, "router", "machine_parallelism", "parallel_speedup")
    two = _get(report, "router", "workers", "two_workers") or {}
    note = ""
    if isinstance(speedup, int | float):
        note = (
            f"two CPU-bound processes here run {speedup:g}× as fast as one "
            "(2 would be two free cores); the load generator and the stub share the same "
            f"two cores, busy {two.get('loadgen_cores_busy', '–')} and "
            f"{two.get('stub_cores_busy', '–')} of a core with two workers"
        )
    return _target(
        "router requests/s, 2 workers ÷ 1 worker (32 in flight)",
        _get(report, "router", "workers", "ratio_two_over_one"),
        1.7,
        True,
        note,
    )


def _linearity(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for section, label in (("payload", "PycaBackend"), ("browser", "WebCryptoBackend")):
        base = (
            ("payload", "linearity")
            if section == "payload"
            else ("browser", "payload", "linearity")
        )
        for step in ("seal", "open"):
            rows.append(
                _target(
                    f"{label} {step}: time per byte at 10 MB ÷ at 1 MB",
                    _get(report, *base, f"{step}_10mb_over_1mb_per_byte"),
                    1.3,
                    False,
                )
            )
    return rows


def judge(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target with its measured value and whether this run met it."""
    return [
        _target(
            "CPython sequential calls/s, nomyo_web ÷ nomyo 0.2.9",
            _get(report, "cpython", "ratio_calls_per_s"),
            6,
            True,
        ),
        _target(
            "CPython nomyo_web per call ÷ floor",
            _get(report, "cpython", "nomyo_web_over_floor"),
            1.3,
            False,
        ),
        _target(
            "CPython SyncSecureChatCompletion per call ÷ async client on one loop",
            _get(report, "clients", "sync_over_async", "median"),
            1.1,
            False,
        ),
        _target(
            "CPython one client, asyncio.run() per call ÷ async client on one loop",
            _get(report, "clients", "many_loops_over_async", "median"),
            1.1,
            False,
        ),
        _target(
            "Chromium nomyo_web (Pyodide) per call ÷ JavaScript floor",
            _get(report, "browser", "per_call", "pyodide_over_js_floor"),
            1.2,
            False,
        ),
        _target(
            "CPython OpenAI SDK per call ÷ SecureChatCompletion.create()",
            _get(report, "openai", "cpython", "sdk_over_create"),
            1.15,
            False,
        ),
        _target(
            "Chromium OpenAI SDK per call ÷ SecureChatCompletion.create()",
            _get(report, "openai", "chromium", "sdk_over_create"),
            1.15,
            False,
        ),
        _target(
            "Chromium navigation → ready client ÷ bare loadPyodide()",
            _get(report, "browser", "cold_start", "ready_client_over_bare"),
            1.1,
            False,
        ),
        _target(
            "demo page: navigation → first sealed answer shown ÷ (bare loadPyodide() + one"
            " plain-JavaScript call)",
            _get(report, "browser", "cold_start", "demo_first_answer_over_bare_plus_js_call"),
            1.15,
            False,
        ),
        *_router_levels(report),
        _workers(report),
        _target(
            "embedded model tokens/s through the router ÷ engine alone",
            _get(report, "engine", "router_over_alone"),
            0.95,
            True,
        ),
        *_linearity(report),
        _target(
            "client RSS after all calls ÷ after warm-up",
            _get(report, "memory", "rss_end_over_start"),
            1.05,
            False,
        ),
    ]

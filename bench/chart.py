"""chart.svg from the report, with the standard library: four panels of labelled bars."""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["render_chart"]

WIDTH, PANEL_W, PANEL_H, LABEL_W, BAR_H = 980, 470, 230, 170, 18
COLOURS = {"ours": "#2f6fb3", "other": "#b0b0b0", "floor": "#e39b2d"}


def _text(x: float, y: float, text: str, size: int = 11, **attrs: str) -> str:
    extra = "".join(f' {key.replace("_", "-")}="{value}"' for key, value in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}"{extra}>{escape(text)}</text>'


def _panel(x: float, y: float, title: str, unit: str, rows: list[tuple[str, Any, str]]) -> str:
    parts = [_text(x, y + 14, title, 13, font_weight="bold")]
    values = [v for _, v, _ in rows if isinstance(v, int | float)]
    if not values:
        parts.append(_text(x, y + 40, "not measured in this run", 11, fill="#777"))
        return "\n".join(parts)
    top = max(values) * 1.15
    span = PANEL_W - LABEL_W - 60
    for index, (label, value, kind) in enumerate(rows):
        row_y = y + 30 + index * (BAR_H + 6)
        parts.append(_text(x + LABEL_W - 6, row_y + 13, label, 10, text_anchor="end"))
        if not isinstance(value, int | float):
            parts.append(_text(x + LABEL_W + 4, row_y + 13, "–", 10, fill="#777"))
            continue
        width = max(1.0, span * value / top)
        parts.append(
            f'<rect x="{x + LABEL_W:.1f}" y="{row_y:.1f}" width="{width:.1f}" '
            f'height="{BAR_H}" fill="{COLOURS[kind]}"/>'
        )
        shown = f"{value:,.0f}" if value >= 100 else f"{value:.3g}"
        parts.append(_text(x + LABEL_W + width + 4, row_y + 13, f"{shown} {unit}", 10))
    return "\n".join(parts)


def _get(sections: dict[str, Any], *path: str) -> Any:
    value: Any = sections
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _per_call(s: dict[str, Any]) -> list[tuple[str, Any, str]]:
    return [
        ("CPython nomyo_web", _get(s, "cpython", "nomyo_web", "latency_median_ms"), "ours"),
        ("CPython floor", _get(s, "cpython", "floor", "floor_per_call_ms"), "floor"),
        ("CPython nomyo 0.2.9", _get(s, "cpython", "nomyo_0_2_9", "latency_median_ms"), "other"),
        (
            "Chromium nomyo_web (Pyodide)",
            _get(s, "browser", "per_call", "pyodide_median_ms"),
            "ours",
        ),
        (
            "Chromium JavaScript floor",
            _get(s, "browser", "per_call", "js_floor_median_ms"),
            "floor",
        ),
    ]


def _router(s: dict[str, Any]) -> list[tuple[str, Any, str]]:
    levels = _get(s, "router", "levels") or {}
    rows = [(f"{level} in flight", f.get("requests_per_s"), "ours") for level, f in levels.items()]
    rows.append(
        (
            "32 in flight, 1 worker",
            _get(s, "router", "workers", "one_worker", "requests_per_s"),
            "other",
        )
    )
    rows.append(
        (
            "32 in flight, 2 workers",
            _get(s, "router", "workers", "two_workers", "requests_per_s"),
            "other",
        )
    )
    return rows


def _payload(s: dict[str, Any]) -> list[tuple[str, Any, str]]:
    rows = []
    for name, base in (("cryptography", ("payload",)), ("WebCrypto", ("browser", "payload"))):
        for size in ("1 MB", "10 MB"):
            for step in ("seal", "open"):
                kind = "ours" if name == "cryptography" else "floor"
                rows.append(
                    (
                        f"{name} {step} {size}",
                        _get(s, *base, "sizes", size, f"{step}_mb_per_s"),
                        kind,
                    )
                )
    return rows


def render_chart(report: dict[str, Any]) -> str:
    s = report.get("sections", {})
    machine, noise = report["machine"], report["noise"]
    calls = [
        ("nomyo_web", _get(s, "cpython", "nomyo_web", "calls_per_s"), "ours"),
        ("nomyo 0.2.9", _get(s, "cpython", "nomyo_0_2_9", "calls_per_s"), "other"),
    ]
    floor_ms = _get(s, "cpython", "floor", "floor_per_call_ms")
    calls.append(("floor (1000 / floor ms)", 1000 / floor_ms if floor_ms else None, "floor"))
    height = 2 * PANEL_H + 50
    body = [
        _panel(10, 10, "CPython: sequential calls per second", "/s", calls),
        _panel(10 + PANEL_W + 20, 10, "Per call, median (lower is better)", "ms", _per_call(s)),
        _panel(10, 10 + PANEL_H, "Router: requests per second", "/s", _router(s)),
        _panel(10 + PANEL_W + 20, 10 + PANEL_H, "Seal / open throughput", "MB/s", _payload(s)),
        _text(
            10,
            height - 24,
            f"python -m bench, {report['started_at']}: {machine['cores']} × "
            f"{machine['cpu_model']}, Python {machine['python']}; CPU pressure median "
            f"{noise['psi_cpu_some_avg10_median']}% (max {noise['psi_cpu_some_avg10_max']}%)",
            10,
            fill="#555",
        ),
        _text(
            10,
            height - 10,
            "loopback, instant stub upstream; drawn from "
            "bench/results/latest.json by bench/chart.py",
            10,
            fill="#555",
        ),
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif">\n'
        f'<rect width="100%" height="100%" fill="#fff"/>\n' + "\n".join(body) + "\n</svg>\n"
    )

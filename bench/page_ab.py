"""The browser rows of two checkouts, before and after, interleaved in one run.

    python -m bench.page_ab --base ../main-checkout [--loads 8 --rounds 8 --per-block 30]

On a shared machine absolute times drift; ratios measured side by side do not.
Both checkouts' pages run in one Chromium against one router (in front of the
stub upstream), load by load and block by block in turn:

* cold starts: bare ``loadPyodide()``, each checkout's bench client page (ready
  client) and each checkout's demo page asked its question at once (first sealed
  answer on screen), rotating the order;
* per call: ``client.create()`` on each checkout's page, and the JavaScript floor,
  alternating blocks.

Both pages use *this* checkout's ``bench/web/floor.mjs`` (the same protocol in
plain JavaScript, ``response_mac`` checked), so one yardstick measures both. Each
checkout must be built first (``python web/build.py`` in it). Prints a Markdown
table; ``--json`` also writes the figures, the machine and the noise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .browser import bench_pages, cold_starts, demo_server, per_call
from .machine import NoiseLog, describe_machine
from .pages import PageTree, load_page
from .servers import REPO_ROOT, stub_upstream
from .stats import median, rounded

__all__ = ["main"]

SIDES = ("before", "after")


@contextlib.contextmanager
def _with_this_floor(tree: PageTree) -> Iterator[PageTree]:
    """``tree`` with its bench pages, but this checkout's floor.mjs (a copy; nothing edited)."""
    with tempfile.TemporaryDirectory(prefix="nomyo-page-ab-") as folder:
        root = Path(folder)
        shutil.copytree(tree.bench_pages, root / "bench" / "web")
        shutil.copy2(REPO_ROOT / "bench" / "web" / "floor.mjs", root / "bench" / "web")
        (root / "build").mkdir()
        (root / "build" / "pyodide").symlink_to(tree.pyodide)
        (root / "web").symlink_to(tree.web)
        yield PageTree(root)


def _ratios(seen: dict[str, dict[str, list[float]]], calls: dict[str, list[float]]) -> Any:
    bare = median(seen["bare"]["ready"])
    rows: dict[str, dict[str, float]] = {}
    for side in SIDES:
        python, floor = median(calls[f"{side}_python"]), median(calls[f"{side}_floor"])
        ready = median(seen[f"client_{side}"]["ready"])
        answer = median(seen[f"demo_{side}"]["answer"])
        rows[side] = {
            "pyodide_ms": rounded(python),
            "js_floor_ms": rounded(floor),
            "per_call_over_js_floor": rounded(python / floor),
            "ready_client_ms": rounded(ready),
            "ready_client_over_bare": rounded(ready / bare),
            "demo_first_answer_ms": rounded(answer),
            "demo_over_bare_plus_js_call": rounded(answer / (bare + floor)),
            "client_page_bytes": median(seen[f"client_{side}"]["bytes"]),
            "demo_page_bytes": median(seen[f"demo_{side}"]["bytes"]),
        }
    return {"bare_load_pyodide_ms": rounded(bare), **rows}


async def _measure(trees: dict[str, PageTree], args: argparse.Namespace) -> dict[str, Any]:
    with stub_upstream() as (stub, _pid), contextlib.ExitStack() as stack:
        demos = {side: stack.enter_context(demo_server(stub, trees[side])) for side in SIDES}
        async with bench_pages(stub, *trees.values()) as (origins, router_url, browser):
            pages = {"bare": f"{origins[0]}/bench/bare.html"}
            for side, origin in zip(SIDES, origins, strict=True):
                pages[f"client_{side}"] = f"{origin}/bench/client.html?router={router_url}"
                pages[f"demo_{side}"] = str(demos[side])
            seen = await cold_starts(browser, pages, args.loads)
            opened = {side: await load_page(browser, pages[f"client_{side}"]) for side in SIDES}
            try:
                calls = await per_call(
                    {side: page for side, (_, page, _, _) in opened.items()},
                    args.rounds,
                    args.per_block,
                )
            finally:
                for context, *_ in opened.values():
                    await context.close()
    return {"ratios": _ratios(seen, calls), "raw": {"cold": seen, "calls": calls}}


def _table(ratios: dict[str, Any]) -> str:
    def shown(value: float) -> str:
        return f"{value:,.0f}" if value >= 100 else f"{value:g}"

    lines = ["| figure | before | after |", "|---|---|---|"]
    for name in ratios["before"]:
        before, after = ratios["before"][name], ratios["after"][name]
        lines.append(f"| {name.replace('_', ' ')} | {shown(before)} | {shown(after)} |")
    lines.append(f"| bare loadPyodide ms (shared) | {shown(ratios['bare_load_pyodide_ms'])} | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.page_ab", description=__doc__)
    parser.add_argument("--base", type=Path, required=True, help="the checkout before")
    parser.add_argument("--loads", type=int, default=8, help="cold loads of each page")
    parser.add_argument("--rounds", type=int, default=8, help="per-call rounds")
    parser.add_argument("--per-block", type=int, default=30, help="calls per block")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    noise = NoiseLog()
    noise.sample("start")
    with (
        _with_this_floor(PageTree(args.base.resolve())) as before,
        _with_this_floor(PageTree(REPO_ROOT)) as after,
    ):
        result = asyncio.run(_measure({"before": before, "after": after}, args))
    noise.sample("end")
    print(_table(result["ratios"]))
    summary = noise.summary()
    psi = [sample["psi_cpu_some_avg10"] for sample in summary["samples"]]
    load = [sample["loadavg_1m"] for sample in summary["samples"]]
    print(f"\nnoise at start, end: CPU pressure (some avg10) {psi}, load average (1 min) {load}")
    if args.json:
        report = {"machine": describe_machine(), "noise": summary, "args": vars(args), **result}
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()

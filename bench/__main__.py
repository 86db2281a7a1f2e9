"""``python -m bench [--quick] [--only A,B] [--skip A,B] [--out-dir DIR] [--router-before DIR]``.

Starts a stub upstream and routers on loopback, runs each section (see
``bench.plan.SECTIONS``), and writes latest.json, latest.md and chart.svg to
``--out-dir`` (default bench/results). ``--router-before DIR`` names another
checkout (e.g. a git worktree of the commit before a change) whose router and
plain proxy the router section measures beside this tree's, in the same rounds,
so "before" and "after" come out of one run. A section whose prerequisites are
missing (no model, no Chromium, no build/pyodide) is recorded as skipped with
the reason; one that fails is recorded with its error and the run goes on.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .machine import NoiseLog, describe_machine
from .plan import SECTIONS, plan_for
from .servers import REPO_ROOT

DEFAULT_OUT = REPO_ROOT / "bench" / "results"


def _sections(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SECTIONS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown section(s) {unknown}; known: {SECTIONS}")
    return names


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny counts (~1 min)")
    parser.add_argument(
        "--only",
        type=_sections,
        default=list(SECTIONS),
        metavar="A,B",
        help=f"run only these sections ({','.join(SECTIONS)})",
    )
    parser.add_argument(
        "--skip", type=_sections, default=[], metavar="A,B", help="leave these sections out"
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help="where latest.json, latest.md and chart.svg go (default bench/results)",
    )
    parser.add_argument(
        "--router-before",
        type=_checkout,
        default=None,
        metavar="DIR",
        help="another checkout whose router the router section measures beside this one",
    )
    return parser.parse_args(argv)


def _checkout(text: str) -> Path:
    path = Path(text).resolve()
    if not (path / "router" / "nomyo_router").is_dir():
        raise argparse.ArgumentTypeError(f"{text} is not a checkout with router/nomyo_router")
    return path


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


async def _run_sections(
    names: list[str], quick: bool, noise: NoiseLog, router_before: Path | None
) -> dict[str, Any]:
    from .sections import Session

    results: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    async with Session(quick, _say, router_before) as session:
        for name in names:
            noise.sample(f"{name} start")
            began = time.monotonic()
            _say(f"{name} ...")
            try:
                outcome = await session.run(name, plan_for(name, quick))
            except Exception as error:  # a broken section must not lose the others
                traceback.print_exc()
                skipped[name] = f"failed: {type(error).__name__}: {error}"
                continue
            if isinstance(outcome, str):
                skipped[name] = outcome
                _say(f"{name} skipped: {outcome}")
            else:
                outcome["seconds"] = round(time.monotonic() - began, 1)
                results[name] = outcome
                _say(f"{name} done in {outcome['seconds']} s")
            noise.sample(f"{name} end")
    return {"sections": results, "skipped": skipped}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    names = [name for name in args.only if name not in args.skip]
    noise = NoiseLog()
    started = datetime.now(UTC)
    noise.sample("start")
    outcome = asyncio.run(_run_sections(names, args.quick, noise, args.router_before))
    noise.sample("end")
    report = {
        "schema": 1,
        "quick": args.quick,
        "command": " ".join(["python -m bench", *argv]),
        "started_at": started.isoformat(timespec="seconds"),
        "duration_s": round((datetime.now(UTC) - started).total_seconds(), 1),
        "machine": describe_machine(),
        "noise": noise.summary(),
        **outcome,
    }
    from .report import write_results

    paths = write_results(report, args.out_dir)
    for path in paths:
        _say(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m soak [--quick]``: the bounded load, fault, refusal and fuzz run, on loopback only.

It starts and stops everything itself (a stub upstream process, router
processes, fuzz worker processes), prints the figures, and writes
soak/results/latest.json and latest.md. Exit status 0 only if every part passed.
``--only PART...`` runs some parts (load, faults, refusals, browser, fuzz,
coverage_fuzz); give it its own ``--out`` to keep the full run's figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support.browser import pyodide_page_missing
from tests.support.router import checkout_environment

from .atheris_inputs import TARGETS as COVERAGE_TARGETS
from .atheris_run import atheris_missing, run_atheris
from .browser import run_browser_load
from .faults import run_faults
from .fuzz_worker import TARGETS
from .load import make_client, run_load
from .processes import REPO_ROOT, StubProcess, free_port, rss_mib, start_router_on
from .refusals import run_refusals
from .report import write_report

RESULTS = Path(__file__).resolve().parent / "results"
PARTS = ("load", "faults", "refusals", "browser", "fuzz", "coverage_fuzz")
"""What a run is made of, in the order they run; ``--only`` picks some."""
STEADY_RSS_GROWTH_LIMIT_MIB = 2.0
"""Full run: RSS growth allowed over the 10,000 measured requests, after the warm-up."""
RSS_GROWTH_LIMIT_MIB = 24.0
"""Short runs (``--quick``, the browser's): too short for the allocators to settle,
so they check only that nothing runs away."""


async def _load(
    stub: StubProcess,
    key_file: Path,
    requests: int,
    warmup: int,
    concurrency: int,
    rss_limit: float,
) -> dict[str, Any]:
    # --log-level warning: at info the router writes one line per request, and the
    # harness keeps every line in this (the client's) process, which would then
    # show as client memory growth (about 1 MiB per 4,000 requests, by tracemalloc).
    quiet = ("--log-level", "warning")
    with start_router_on(free_port(), key_file, stub.url, *quiet) as router:
        mode = oct(key_file.stat().st_mode & 0o777)
        client = make_client(router.url, key_rotation_interval=None)
        pids = {"client": os.getpid(), "router": router.proc.pid}
        cold = {name: rss_mib(pid) for name, pid in pids.items()}
        # The warm-up fills what is bounded by design (the router's replay cache,
        # 4,096 entries; both connection pools) and lets both allocators reach
        # their working size. Its requests are checked like the others.
        warm = await run_load(client, warmup, concurrency)
        stub.reset()
        result = await run_load(client, requests, concurrency, pids)
        await client.aclose()
    nonces = stub.stats("NONCE-")["nonces"]
    first, last = result["rss_mib"][0], result["rss_mib"][-1]
    growth = {name: round(last[name] - first[name], 1) for name in pids}
    result.update(
        warmup_requests=warm["requests"],
        warmup_failures=warm["failures"],
        warmup_failure_kinds=warm["failure_kinds"],
        rss_cold_mib=cold,
        rss_growth_since_cold_mib={name: round(last[name] - cold[name], 1) for name in pids},
        rss_growth_limit_mib=rss_limit,
        key_file_mode=mode,
        upstream_calls=sum(nonces.values()),
        every_nonce_once=len(nonces) == requests and set(nonces.values()) == {1},
        rss_growth_mib=growth,
    )
    result["passed"] = (
        result["failures"] == 0
        and result["warmup_failures"] == 0
        and result["every_nonce_once"]
        and all(value <= rss_limit for value in growth.values())
        and mode == "0o600"
    )
    return result


def _fuzz(cases: int, process_cases: int, limit: float) -> dict[str, Any]:
    procs = {}
    for target in TARGETS:
        count = process_cases if target == "router-process" else cases
        procs[target] = subprocess.Popen(
            [sys.executable, "-m", "soak.fuzz_worker", target, str(count), str(limit)],
            cwd=REPO_ROOT,
            env=checkout_environment(),
            stdout=subprocess.PIPE,
            text=True,
        )
    results = {}
    for target, proc in procs.items():
        out, _ = proc.communicate()
        lines = out.strip().splitlines()
        results[target] = (
            json.loads(lines[-1]) if lines else {"passed": False, "error": "no output"}
        )
        results[target]["exit_code"] = proc.returncode
    return results


def _coverage_fuzz(cases: int, limit: float) -> dict[str, Any]:
    """The atheris targets, one after another (each is one busy process)."""
    missing = atheris_missing()
    if missing is not None:
        return {"skipped": missing, "targets": {}, "passed": True}
    targets = {target: run_atheris(target, cases, limit) for target in COVERAGE_TARGETS}
    passed = all(part["passed"] for part in targets.values())
    return {"skipped": None, "targets": targets, "passed": passed}


async def _stub_parts(args: argparse.Namespace, report: dict[str, Any]) -> None:
    """The parts that need the stub upstream process and the router key file."""
    with tempfile.TemporaryDirectory(prefix="nomyo-soak-") as tmp, StubProcess() as stub:
        key_file = Path(tmp) / "server_key.pem"  # the first router creates it (mode 0600)
        if "load" in args.only:
            report["load"] = await _load(
                stub,
                key_file,
                args.requests,
                args.warmup_requests,
                args.concurrency,
                args.rss_growth_limit,
            )
            print(json.dumps({"load": report["load"]["requests_per_second"]}), flush=True)
        if "faults" in args.only:
            report["faults"] = await run_faults(stub, key_file, args.fault_requests)
            passed = {k: v["passed"] for k, v in report["faults"].items()}
            print(json.dumps({"faults": passed}), flush=True)
        if "refusals" in args.only:
            report["refusals"] = await run_refusals(stub, key_file, args.refusals)
            growth = {k: v["rss_growth_mib"] for k, v in report["refusals"]["kinds"].items()}
            print(json.dumps({"refusals_rss_growth_mib": growth}), flush=True)
        if "browser" in args.only:
            report["browser"] = await _browser(stub, key_file, args)


async def _browser(stub: StubProcess, key_file: Path, args: argparse.Namespace) -> dict[str, Any]:
    missing = pyodide_page_missing()
    if missing is not None:
        return {"skipped": missing, "passed": True}
    browser = await run_browser_load(
        stub, key_file, args.browser_requests, args.browser_concurrency, RSS_GROWTH_LIMIT_MIB
    )
    print(json.dumps({"browser": browser["requests_per_second"]}), flush=True)
    return browser


def _passed(part: dict[str, Any], name: str) -> bool:
    if name == "faults":
        return all(scenario["passed"] for scenario in part.values())
    if name == "fuzz":
        return all(target["passed"] for target in part.values())
    return bool(part["passed"])


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    if set(args.only) != set(PARTS):
        report["only"] = list(args.only)
    started = time.perf_counter()
    await _stub_parts(args, report)
    if "fuzz" in args.only:
        report["fuzz"] = _fuzz(args.fuzz_cases, args.process_cases, args.fuzz_time_limit)
        passed = {k: v["passed"] for k, v in report["fuzz"].items()}
        print(json.dumps({"fuzz": passed}), flush=True)
    if "coverage_fuzz" in args.only:
        coverage = _coverage_fuzz(args.fuzz_cases, args.fuzz_time_limit)
        report["coverage_fuzz"] = coverage
        passed = {k: v["passed"] for k, v in coverage["targets"].items()}
        print(json.dumps({"coverage_fuzz": coverage["skipped"] or passed}), flush=True)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["passed"] = all(_passed(report[name], name) for name in PARTS if name in report)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run for the smoke test")
    parser.add_argument("--requests", type=int, help="load requests (default 10000; quick 300)")
    parser.add_argument(
        "--warmup-requests",
        type=int,
        help="load requests before the measured run (10000; quick 100)",
    )
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--rss-growth-limit",
        type=float,
        help=f"MiB either process may grow over the measured load run "
        f"({STEADY_RSS_GROWTH_LIMIT_MIB}; quick {RSS_GROWTH_LIMIT_MIB})",
    )
    parser.add_argument(
        "--browser-requests", type=int, help="load requests in Chromium (default 2000; quick 40)"
    )
    parser.add_argument("--browser-concurrency", type=int, default=16)
    parser.add_argument("--fault-requests", type=int, help="requests per fault scenario under load")
    parser.add_argument(
        "--refusals", type=int, help="refused requests of each kind (default 1000; quick 40)"
    )
    parser.add_argument("--fuzz-cases", type=int, help="cases per fuzz target (default 100000)")
    parser.add_argument("--process-cases", type=int, help="cases against a real router process")
    parser.add_argument("--fuzz-time-limit", type=float, default=900.0, help="seconds per target")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=PARTS,
        default=list(PARTS),
        help="run only these parts (default: all); pass --out too, to keep the full figures",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    quick = args.quick
    args.requests = args.requests or (300 if quick else 10_000)
    args.warmup_requests = args.warmup_requests or (100 if quick else 10_000)
    if args.rss_growth_limit is None:
        args.rss_growth_limit = RSS_GROWTH_LIMIT_MIB if quick else STEADY_RSS_GROWTH_LIMIT_MIB
    args.browser_requests = args.browser_requests or (40 if quick else 2_000)
    args.fault_requests = args.fault_requests or (120 if quick else 1_500)
    args.refusals = args.refusals or (40 if quick else 1_000)
    args.fuzz_cases = args.fuzz_cases or (300 if quick else 100_000)
    args.process_cases = args.process_cases or (100 if quick else 5_000)
    report = asyncio.run(_run(args))
    json_path, md_path = write_report(report, args.out)
    print(md_path.read_text())
    print(f"soak: {'PASSED' if report['passed'] else 'FAILED'}; wrote {json_path} and {md_path}")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())

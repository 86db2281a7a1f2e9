"""The router under concurrent load, its CPU per request, one worker against two, and its
throughput by state store (``state_load``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nomyo_web.crypto import PrivateKeyHandle
from nomyo_web.crypto.pyca import PycaBackend

from .floor import rsa_costs
from .servers import REPO_ROOT, router
from .state_load import measure_state
from .stats import median, rounded, spread

__all__ = ["LEVELS", "client_key_file", "measure_router", "medians", "parallelism", "run_loadgen"]

LEVELS = (1, 8, 32, 128)
WORKERS_LEVEL = 32


@contextlib.contextmanager
def client_key_file(key: PrivateKeyHandle) -> Iterator[Path]:
    """``key`` as a PEM file the load generator reads, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="nomyo-bench-") as tmp:
        path = Path(tmp) / "client.pem"
        path.write_bytes(PycaBackend().private_key_to_pem(key))
        yield path


def run_loadgen(
    url: str, pid: int, key_file: Path, levels: list[int], per_level: int, rounds: int
) -> dict[str, Any]:
    args = [url, str(pid), str(key_file), ",".join(map(str, levels)), str(per_level), str(rounds)]
    done = subprocess.run(
        [sys.executable, "-m", "bench.loadgen", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        errors = [line for line in done.stderr.splitlines() if "Error:" in line]
        raise RuntimeError(f"loadgen failed: {(errors or done.stderr.splitlines())[-1:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def medians(blocks: list[dict[str, float]]) -> dict[str, Any]:
    figures: dict[str, Any] = {
        name: rounded(median([block[name] for block in blocks])) for name in blocks[0]
    }
    figures["requests_per_s_rounds"] = spread([block["requests_per_s"] for block in blocks])
    # A count, not a rate: the total over every round, not its median.
    figures["failed_requests"] = sum(int(block.get("failed_requests", 0)) for block in blocks)
    return figures


def parallelism(count: int) -> dict[str, float]:
    """Seconds for ``count`` decrypts in one process alone, and in each of two at once."""

    def run(processes: int) -> list[float]:
        children = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.spin", str(count)],
                cwd=REPO_ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(processes)
        ]
        for child in children:
            assert child.stdout is not None
            child.stdout.readline()  # ready
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        times = [float(child.communicate()[0].strip()) for child in children]
        return times

    alone = run(1)[0]
    together = max(run(2))
    return {
        "one_process_s": rounded(alone),
        "two_processes_s": rounded(together),
        "slowdown_two_at_once": rounded(together / alone),
        "parallel_speedup": rounded(2 * alone / together),
    }


async def measure_router(
    url: str, pid: int, stub_url: str, key: PrivateKeyHandle, plan: dict[str, int]
) -> dict[str, Any]:
    with client_key_file(key) as key_file:
        load = await asyncio.to_thread(
            run_loadgen, url, pid, key_file, list(LEVELS), plan["per_level"], plan["rounds"]
        )
        baseline = rsa_costs(key, plan["rsa"])["decrypt_plus_encrypt_cpu_ms"]
        levels = {level: medians(blocks) for level, blocks in load["levels"].items()}
        for figures in levels.values():
            figures["router_cpu_over_baseline"] = rounded(
                figures["router_cpu_per_request_ms"] / baseline
            )
        workers = await asyncio.to_thread(_workers, url, pid, stub_url, key_file, plan)
        state = await asyncio.to_thread(measure_state, stub_url, key_file, plan)
    return {
        "load_client": load["client"],
        "load_failure_kinds": load.get("failure_kinds", {}),
        "levels": levels,
        "baseline_decrypt_plus_encrypt_cpu_ms": rounded(baseline),
        "workers": workers,
        "state": state,
        "machine_parallelism": parallelism(plan["spin"]),
    }


def _workers(
    url: str, pid: int, stub_url: str, key_file: Path, plan: dict[str, int]
) -> dict[str, Any]:
    one: list[dict[str, float]] = []
    two: list[dict[str, float]] = []
    with router("--upstream", stub_url, "--workers", "2") as double:
        for index in range(plan["workers_rounds"]):
            order = [(url, pid, one), (double.url, double.proc.pid, two)]
            for target_url, target_pid, sink in order if index % 2 == 0 else order[::-1]:
                load = run_loadgen(
                    target_url, target_pid, key_file, [WORKERS_LEVEL], plan["per_level"], 1
                )
                sink.extend(load["levels"][str(WORKERS_LEVEL)])
    single, double_figures = medians(one), medians(two)
    return {
        "in_flight": WORKERS_LEVEL,
        "one_worker": single,
        "two_workers": double_figures,
        "ratio_two_over_one": rounded(double_figures["requests_per_s"] / single["requests_per_s"]),
    }

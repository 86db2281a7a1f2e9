"""The router under concurrent load against the plain proxy an operator would run instead.

At 1, 8, 32 and 128 requests in flight the same load generator measures this
tree's router, the plain proxy on the same server stack (``plain_proxy``) and,
with ``--router-before DIR``, the router and proxy of another checkout, each
block on a freshly started process (``router_targets``). The router's CPU per
request is reported over the RSA baseline (one decrypt + one encrypt) and over
the proxy's CPU per request plus that baseline. Then one worker against two
(fresh processes, 32 in flight, the load generator's and the stub's CPU
recorded), and the throughput by state store (``state_load``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nomyo_web.crypto import PrivateKeyHandle
from nomyo_web.crypto.pyca import PycaBackend

from .floor import rsa_costs
from .router_targets import Target, before_commit, targets
from .servers import REPO_ROOT
from .state_load import measure_state
from .stats import median, rounded, spread

__all__ = [
    "LEVELS",
    "Stub",
    "client_key_file",
    "measure_router",
    "medians",
    "parallelism",
    "run_loadgen",
]

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
    url: str,
    pid: int,
    key_file: Path,
    levels: list[int],
    per_level: int,
    rounds: int,
    *,
    stub_pid: int | None = None,
    plain: bool = False,
) -> dict[str, Any]:
    args = [url, str(pid), str(key_file), ",".join(map(str, levels)), str(per_level), str(rounds)]
    if stub_pid is not None:
        args += ["--stub-pid", str(stub_pid)]
    if plain:
        args.append("--plain")
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


@dataclass(frozen=True)
class Stub:
    """The stub upstream every target forwards to, and its pid (its CPU is reported)."""

    url: str
    pid: int


Blocks = dict[str, dict[int, list[dict[str, float]]]]  # target -> level -> one block a round


def _fresh_block(
    target: Target, stub: Stub, key_file: Path, level: int, count: int, *flags: str
) -> dict[str, Any]:
    """The load generator's figures for ``count`` requests to a freshly started ``target``."""
    with target.start(stub.url, *flags) as process:
        return run_loadgen(
            process.url,
            process.proc.pid,
            key_file,
            [level],
            count,
            1,
            stub_pid=stub.pid,
            plain=target.plain,
        )


def _load_levels(
    found: list[Target], stub: Stub, key_file: Path, plan: dict[str, int], failures: Counter[str]
) -> Blocks:
    """One block per target, level and round, each on a freshly started process.

    Levels go up in even rounds and down in odd ones; the targets' order rotates
    with every block, so a slow spell of the machine falls on all of them alike.
    """
    blocks: Blocks = {target.name: {level: [] for level in LEVELS} for target in found}
    turn = 0
    for index in range(plan["rounds"]):
        for level in LEVELS if index % 2 == 0 else LEVELS[::-1]:
            turn += 1
            for target in found[turn % len(found) :] + found[: turn % len(found)]:
                load = _fresh_block(target, stub, key_file, level, plan["per_level"])
                blocks[target.name][level].extend(load["levels"][str(level)])
                failures.update(load.get("failure_kinds", {}))
    return blocks


def _per_round(tops: list[float], bottoms: list[float], extra: float = 0.0) -> float:
    """The median over rounds of ``top / (bottom + extra)``, each round's blocks paired."""
    return rounded(
        median([top / (bottom + extra) for top, bottom in zip(tops, bottoms, strict=True)])
    )


def _cpu(blocks: list[dict[str, float]]) -> list[float]:
    return [block["router_cpu_per_request_ms"] for block in blocks]


def _rates(blocks: list[dict[str, float]]) -> list[float]:
    return [block["requests_per_s"] for block in blocks]


def _router_rows(blocks: Blocks, name: str, rsa: float) -> dict[str, Any]:
    """``name``'s medians per level, with its CPU over RSA and over this tree's proxy + RSA."""
    rows: dict[str, Any] = {}
    for level, found in blocks[name].items():
        figures = medians(found)
        proxy = _cpu(blocks["proxy"][level])
        figures["router_cpu_over_baseline"] = rounded(figures["router_cpu_per_request_ms"] / rsa)
        figures["proxy_cpu_per_request_ms"] = rounded(median(proxy))
        figures["router_cpu_over_proxy_plus_rsa"] = _per_round(_cpu(found), proxy, rsa)
        rows[str(level)] = figures
    return rows


async def measure_router(
    stub: Stub, key: PrivateKeyHandle, plan: dict[str, int], before: Path | None
) -> dict[str, Any]:
    """Every target at every level (fresh processes), workers 1 against 2, the state stores."""
    found = targets(before)
    failures: Counter[str] = Counter()
    with client_key_file(key) as key_file:
        rsa = rsa_costs(key, plan["rsa"])["decrypt_plus_encrypt_cpu_ms"]
        blocks = await asyncio.to_thread(_load_levels, found, stub, key_file, plan, failures)
        trees = [target for target in found if not target.plain]
        workers = await asyncio.to_thread(_workers, trees, stub, key_file, plan)
        state = await asyncio.to_thread(measure_state, stub.url, key_file, plan)
    result: dict[str, Any] = {
        "load_client": "aiohttp",
        "load_failure_kinds": dict(failures),
        "levels": _router_rows(blocks, "router", rsa),
        "proxy_levels": {str(level): medians(found) for level, found in blocks["proxy"].items()},
        "baseline_decrypt_plus_encrypt_cpu_ms": rounded(rsa),
        "workers": workers["router"],
        "state": state,
        "machine_parallelism": parallelism(plan["spin"]),
    }
    if before is not None:
        result["before"] = {
            "tree": str(before),
            "commit": before_commit(before),
            "levels": _router_rows(blocks, "router_before", rsa),
            "proxy_levels": {
                str(level): medians(found) for level, found in blocks["proxy_before"].items()
            },
            "workers": workers["router_before"],
        }
    return result


def _workers(
    found: list[Target], stub: Stub, key_file: Path, plan: dict[str, int]
) -> dict[str, dict[str, Any]]:
    """Each router target with one worker and with two, fresh processes, in rotating order."""
    runs = [(target, count) for target in found for count in (1, 2)]
    blocks: dict[tuple[str, int], list[dict[str, float]]] = {
        (target.name, count): [] for target, count in runs
    }
    for index in range(plan["workers_rounds"]):
        for target, count in runs[index % len(runs) :] + runs[: index % len(runs)]:
            flags = ("--workers", str(count))
            load = _fresh_block(target, stub, key_file, WORKERS_LEVEL, plan["per_level"], *flags)
            blocks[(target.name, count)].extend(load["levels"][str(WORKERS_LEVEL)])
    result = {}
    for target in found:
        one, two = blocks[(target.name, 1)], blocks[(target.name, 2)]
        result[target.name] = {
            "in_flight": WORKERS_LEVEL,
            "one_worker": medians(one),
            "two_workers": medians(two),
            "ratio_two_over_one": _per_round(_rates(two), _rates(one)),
        }
    return result

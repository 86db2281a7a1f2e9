"""Running one ``soak.atheris_worker`` target and reading libFuzzer's report of it.

A target passes when libFuzzer ran every wanted case and stopped on its own:
no uncaught exception, no failed check, no input slower than ``-timeout``, no
memory past ``-rss_limit_mb``. A failing input is copied to a directory that
outlives the run (its path is reported), to be replayed with
``python -m soak.atheris_worker TARGET 1 OUT FILE``.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support.router import checkout_environment

from .atheris_inputs import seeds, tokens
from .processes import REPO_ROOT

__all__ = ["atheris_missing", "run_atheris"]

_DONE = re.compile(r"^Done (\d+) runs in (\d+) second")
_STATS = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/")
_PER_INPUT_TIMEOUT_S = 10
_RSS_LIMIT_MB = 1024
_ARTIFACTS = ("crash-", "timeout-", "oom-", "leak-", "slow-unit-")


def atheris_missing() -> str | None:
    """Why atheris cannot run here, or None (its wheels are CPython on x86-64 Linux only)."""
    if importlib.util.find_spec("atheris") is None:
        return "atheris is not installed (it has wheels for x86-64 Linux, CPython 3.11-3.13)"
    return None


def _write_inputs(directory: Path, target: str) -> tuple[Path, Path]:
    corpus = directory / "corpus"
    corpus.mkdir()
    for number, seed in enumerate(seeds(target)):
        (corpus / f"seed-{number}").write_bytes(seed)
    dictionary = directory / "tokens.dict"
    lines = ['"' + "".join(f"\\x{byte:02x}" for byte in token) + '"' for token in tokens(target)]
    dictionary.write_text("\n".join(lines) + "\n")
    return corpus, dictionary


def _failure(log: str) -> str:
    """The exception, libFuzzer's verdict and where the input went; not the input itself."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    picked = []
    for number, line in enumerate(lines):
        if "Uncaught Python exception" in line and number + 1 < len(lines):
            picked.append(lines[number + 1])
        elif any(mark in line for mark in ("ERROR: libFuzzer", "ALARM", "Test unit written")):
            picked.append(line)
    return " / ".join(picked or lines[-3:])[:800]


def run_atheris(target: str, runs: int, limit: float) -> dict[str, Any]:
    """``runs`` coverage-guided cases of ``target`` (or until ``limit`` seconds)."""
    with tempfile.TemporaryDirectory(prefix=f"nomyo-atheris-{target}-") as tmp:
        directory = Path(tmp)
        corpus, dictionary = _write_inputs(directory, target)
        out = directory / "outcomes.json"
        command = [
            sys.executable, "-m", "soak.atheris_worker", target, str(runs), str(out),
            f"-max_total_time={int(limit)}", f"-timeout={_PER_INPUT_TIMEOUT_S}",
            f"-rss_limit_mb={_RSS_LIMIT_MB}", "-max_len=8192", f"-dict={dictionary}",
            f"-artifact_prefix={directory}/", "-print_final_stats=1", str(corpus),
        ]  # fmt: skip
        started = time.perf_counter()
        proc = subprocess.run(
            command, cwd=REPO_ROOT, env=checkout_environment(), capture_output=True, text=True
        )
        elapsed = time.perf_counter() - started
        log = proc.stdout + proc.stderr
        outcomes = json.loads(out.read_text()) if out.exists() else {}
        crashes = sorted(p for p in directory.iterdir() if p.name.startswith(_ARTIFACTS))
        kept = None
        if crashes:
            kept = Path(tempfile.mkdtemp(prefix=f"nomyo-atheris-{target}-failed-"))
            for path in crashes:
                shutil.copy(path, kept / path.name)
    done = [int(m.group(1)) for line in log.splitlines() if (m := _DONE.match(line))]
    stats = [m.groups() for line in log.splitlines() if (m := _STATS.match(line))]
    ran = done[-1] if done else sum(outcomes.values())
    coverage = (
        {"edges": int(stats[-1][1]), "features": int(stats[-1][2]), "corpus": int(stats[-1][3])}
        if stats
        else {}
    )
    failed = proc.returncode != 0 or not done or bool(crashes)
    failure = _failure(log).replace(str(directory), str(kept)) if failed else None
    return {
        "target": target,
        "engine": "atheris",
        "cases": ran,
        "wanted": runs,
        "seconds": round(elapsed, 1),
        "cases_per_second": round(ran / elapsed, 1) if elapsed else None,
        "coverage": coverage,
        "outcomes": outcomes,
        "failure": failure,
        "failing_inputs": str(kept) if kept else None,
        "exit_code": proc.returncode,
        "passed": not failed and ran >= runs,
    }


def main(argv: list[str]) -> int:
    result = run_atheris(argv[0], int(argv[1]), float(argv[2]) if len(argv) > 2 else 600.0)
    print(json.dumps(result), flush=True)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""One fuzz target in its own process: ``python -m soak.fuzz_worker TARGET CASES [LIMIT_S]``.

Prints one JSON line: the ``run_property`` summary. Targets: ``envelope-parser``,
``response-handling``, ``router-app`` (in process, through ASGI) and
``router-process`` (a real router process over loopback HTTP; its log is then
checked for errors and tracebacks).
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from nomyo_web.crypto.pyca import PycaBackend
from tests.support.stub_upstream import StubUpstream

from .client_targets import ResponseTarget, check_parse, parse_cases
from .fuzz import run_property
from .processes import free_port, start_router_on
from .router_targets import RouterTarget

__all__ = ["TARGETS", "run_target"]

TARGETS = ("envelope-parser", "response-handling", "router-app", "router-process")
_backend = PycaBackend()


def _weak_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode()


def _router_process(cases: int, limit: float | None) -> dict[str, Any]:
    loop = asyncio.new_event_loop()
    client = _backend.generate_private_key_sync(4096)
    with tempfile.TemporaryDirectory() as tmp, StubUpstream() as stub:
        key_file = Path(tmp) / "key.pem"
        with start_router_on(free_port(), key_file, stub.url, "--body-timeout", "5") as router:
            pem = key_file.read_bytes()
            server = _backend.load_private_key_pem(pem).public.pem
            target = RouterTarget.over_http(loop, router.url, server, client, _weak_pem())
            batch = max(1, cases // 10)
            result = run_property(
                "router-process",
                target.cases(),
                target.check,
                cases,
                batch,
                target.check_normal_request,
                limit,
            )
            target.close()
            alive = router.proc.poll() is None
            logs = router.logs()
    bad_lines = [line for line in logs.splitlines() if "Traceback" in line or "ERROR" in line]
    result.update(process_alive=alive, error_log_lines=bad_lines[:5])
    result["passed"] = result["passed"] and alive and not bad_lines
    return result


def run_target(name: str, cases: int, limit: float | None = None) -> dict[str, Any]:
    """Run one target for ``cases`` generated cases (or until ``limit`` seconds)."""
    if name == "router-process":
        return _router_process(cases, limit)
    loop = asyncio.new_event_loop()
    client = _backend.generate_private_key_sync(2048)  # fuzz volume: the cheaper private op
    if name == "envelope-parser":
        return run_property(name, parse_cases(client), check_parse, cases, time_limit=limit)
    if name == "response-handling":
        target = ResponseTarget(client, loop)
        return run_property(name, target.cases(), target.check, cases, time_limit=limit)
    if name == "router-app":
        server = _backend.generate_private_key_sync(4096)
        with StubUpstream() as stub:
            app = RouterTarget.in_process(loop, server, client, _weak_pem(), stub.url)
            try:
                return run_property(
                    name,
                    app.cases(),
                    app.check,
                    cases,
                    max(1, cases // 10),
                    app.check_normal_request,
                    limit,
                )
            finally:
                app.close()
    raise SystemExit(f"unknown target {name!r}; one of {', '.join(TARGETS)}")


def main(argv: list[str]) -> int:
    name, cases = argv[0], int(argv[1])
    limit = float(argv[2]) if len(argv) > 2 else None
    print(json.dumps(run_target(name, cases, limit)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
